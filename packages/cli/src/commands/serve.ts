import type { Command } from 'commander';
import type { ServeFlags } from './serve-run.js';

/** `hud serve` and its alias `hud dev` (= `hud serve --watch`). */
export function registerServe(program: Command): void {
  const configure = (command: Command, watchByDefault: boolean) =>
    command
      .argument('[file]', 'environment file (.ts/.js) or directory', 'env')
      .option('-p, --port <port>', 'control port (0 = any free port)', '8765')
      .option('--host <host>', 'address to bind', '127.0.0.1')
      .option('--env <name>', 'the environment to serve when the file declares several')
      .option(
        '--token <token>',
        'require this shared secret in hello/tunnel.open (default: $HUD_SERVE_TOKEN)',
      )
      .option('--insecure', 'allow a non-loopback host without a token')
      .option('--watch', 'restart the server when the environment files change', watchByDefault)
      .option('--max-frame-bytes <bytes>', 'largest control frame accepted (default 64 MiB)')
      .option('--parked-ttl <seconds>', 'close parked sessions after this long (default 3600)')
      .option('-v, --verbose', 'debug logs on stderr')
      .option(
        '--mcp [capability]',
        "also serve the environment's MCP tools over stdio for an editor (stdout becomes the MCP channel)",
      )
      .action(async (file: string, flags: ServeFlags, command: Command) => {
        if (flags.mcp === undefined) {
          const { serveOnce, superviseServe } = await import('./serve-run.js');
          return flags.watch ? superviseServe(file, flags) : serveOnce(file, flags);
        }
        if (flags.watch) throw new Error('--mcp cannot be combined with --watch (hud dev)');
        const portGiven = command.getOptionValueSource('port') === 'cli';
        const { serveMcp } = await import('./serve-mcp.js');
        return serveMcp(file, { ...flags, mcp: flags.mcp }, portGiven);
      });
  configure(
    program.command('serve').description('serve an environment on the control channel'),
    false,
  );
  configure(
    program
      .command('dev')
      .description('serve an environment and restart it on changes (serve --watch)'),
    true,
  );
}
