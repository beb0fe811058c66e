import type { Logger } from '@hud/environment';

/** A logger that writes to stderr (stdout may be a protocol channel); debug lines only when verbose. */
export function stderrLogger(options: { verbose?: boolean } = {}): Logger {
  const write = (level: string, message: string) =>
    process.stderr.write(`[hud ${level}] ${message}\n`);
  return {
    debug: (message) => {
      if (options.verbose) write('debug', message);
    },
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
  };
}
