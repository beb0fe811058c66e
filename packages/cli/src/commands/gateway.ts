import type { Command } from 'commander';
import type { GatewayFlags } from '../platform/gateway-bin.js';

/** `hud gateway`: run a self-hosted HUD platform (the optional `@hud/gateway` package) here. */
export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description(
      'run a self-hosted HUD platform on this machine (needs the @hud/gateway package); point clients at it with HUD_API_URL and HUD_API_KEY',
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '7600')
    .option('--data-dir <dir>', 'where the database and files live (default ~/.hud/gateway)')
    .option('--database-url <url>', 'use PostgreSQL at this postgres:// URL instead of SQLite')
    .option('--registry <host:port>', 'the OCI registry deployed environments are pushed to')
    .option('--public-url <url>', 'the URL people open the gateway at (login links)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .action(async (flags: GatewayFlags) =>
      (await import('../platform/gateway-bin.js')).gatewayAction(flags),
    );
}
