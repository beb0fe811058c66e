import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadEnvironment,
  PORT_ANNOUNCEMENT,
  resolveEnvironmentFile,
  serve,
} from '@hud/environment';
import { MAX_FRAME_BYTES_LIMIT } from '@hud/protocol';
import { stderrLogger } from '../logger.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { fileTrackingEnabled } from '../settings.js';

/** The flags of `hud serve` / `hud dev` as commander parses them. */
export interface ServeFlags {
  port: string;
  host: string;
  env?: string;
  token?: string;
  insecure?: boolean;
  watch?: boolean;
  maxFrameBytes?: string;
  parkedTtl?: string;
  verbose?: boolean;
  mcp?: string | true;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new Error(`${flag} must be a whole number, got '${value}'`);
  return number;
}

/** `--max-frame-bytes`: a whole number of bytes the frame decoder can honour. */
function frameLimit(value: string | undefined): number | undefined {
  const bytes = positiveInteger(value, '--max-frame-bytes');
  if (bytes !== undefined && bytes > MAX_FRAME_BYTES_LIMIT) {
    throw new Error(
      `--max-frame-bytes must be at most ${MAX_FRAME_BYTES_LIMIT} (the longest string a frame can decode to), got '${value}'`,
    );
  }
  return bytes;
}

/**
 * `hud serve <file>`: loads the environment, serves it on the control port, prints `HUD_SERVE_PORT=<port>`
 * on stdout and runs until SIGTERM/SIGINT (then closes the server, running the shutdown hooks).
 * @throws Error for a bad flag value; HudError when the environment cannot be loaded or the port bound.
 */
export async function serveOnce(file: string, flags: ServeFlags): Promise<void> {
  const logger = stderrLogger({ verbose: flags.verbose });
  const { env } = await loadEnvironment(file, { name: flags.env, fallbacks: hudModuleFallbacks() });
  env.warn = (message) => logger.warn(message);
  const ttl = positiveInteger(flags.parkedTtl, '--parked-ttl');
  const server = await serve(env, {
    host: flags.host,
    port: positiveInteger(flags.port, '--port'),
    token: flags.token ?? process.env.HUD_SERVE_TOKEN,
    insecure: flags.insecure,
    maxFrameBytes: frameLimit(flags.maxFrameBytes),
    parkedTtlMs: ttl === undefined ? undefined : ttl * 1000,
    fileTracking: fileTrackingEnabled(process.env.HUD_FILE_TRACKING_ENABLED),
    logger,
  });
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.debug(`${signal}: cancelling tasks and running shutdown hooks`);
      void server.close().then(() => {
        // Exit even if an environment left a handle open after its shutdown hooks.
        setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Handlers first: a client may signal us the moment it reads the port, and without a listener the
  // signal's default action kills the process before the shutdown hooks run.
  process.stdout.write(`${PORT_ANNOUNCEMENT}${server.port}\n`);
  logger.debug(`serving '${env.name}' ${env.version} on ${server.url}`);
  await stopped;
}

/**
 * `hud dev <file>` (`hud serve --watch`): runs `hud serve` in a child and restarts it on file changes, on
 * the same port, until SIGTERM/SIGINT.
 * @throws HudError when the environment file cannot be found.
 */
export async function superviseServe(file: string, flags: ServeFlags): Promise<void> {
  const logger = stderrLogger({ verbose: flags.verbose });
  const entry = resolveEnvironmentFile(file);
  const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
  let port = flags.port;
  let child: ChildProcess | undefined;
  let announced = false;
  let stopping = false;
  const childArgs = () => {
    const args = [bin, 'serve', entry, '--port', port, '--host', flags.host];
    for (const [flag, value] of [
      ['--env', flags.env],
      ['--token', flags.token],
      ['--max-frame-bytes', flags.maxFrameBytes],
      ['--parked-ttl', flags.parkedTtl],
    ] as const) {
      if (value !== undefined) args.push(flag, value);
    }
    if (flags.insecure) args.push('--insecure');
    if (flags.verbose) args.push('--verbose');
    return args;
  };
  const start = () => {
    const current = spawn(process.execPath, childArgs(), { stdio: ['ignore', 'pipe', 'inherit'] });
    child = current;
    let buffered = '';
    current.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const match = buffered.match(/^HUD_SERVE_PORT=(\d+)$/m);
      if (match?.[1]) {
        port = match[1];
        buffered = '';
        if (!announced) process.stdout.write(`${PORT_ANNOUNCEMENT}${port}\n`);
        else logger.warn(`restarted on port ${port}`);
        announced = true;
      }
    });
    current.once('exit', (code, signal) => {
      if (!stopping && child === current && signal !== 'SIGTERM') {
        logger.warn(`server exited (${signal ?? `code ${code}`}); waiting for a change to restart`);
      }
    });
  };
  const restart = debounce(() => {
    const previous = child;
    logger.warn('change detected: restarting');
    if (!previous || previous.exitCode !== null || previous.signalCode !== null) return start();
    previous.once('exit', start);
    previous.kill('SIGTERM');
  }, 150);
  const watcher = watch(path.dirname(entry), { recursive: true }, (_event, name) => {
    if (name && !String(name).includes('node_modules') && !String(name).startsWith('.')) restart();
  });
  start();
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      watcher.close();
      if (!child || child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function debounce(action: () => void, delayMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(action, delayMs);
  };
}
