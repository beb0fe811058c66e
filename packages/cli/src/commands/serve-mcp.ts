import { Console } from 'node:console';
import {
  type CapabilityRecord,
  loadEnvironment,
  MCP_PROTOCOL,
  PORT_ANNOUNCEMENT,
  serve,
} from '@hud/environment';
import { HudError, McpClient, protocolFamily, serveMcpStdioProxy } from '@hud/protocol';
import { stderrLogger } from '../logger.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';

/** The `hud serve` flags `--mcp` mode reads. */
export interface ServeMcpFlags {
  /** `true` for every MCP capability, or the name of one. */
  mcp: string | true;
  port: string;
  host: string;
  env?: string;
  token?: string;
  insecure?: boolean;
  maxFrameBytes?: string;
  parkedTtl?: string;
  verbose?: boolean;
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new HudError('invalid_argument', `${flag} must be a whole number, got '${value}'`);
  }
  return number;
}

/** The MCP capabilities `--mcp [name]` selects. */
function selectMcp(
  capabilities: readonly CapabilityRecord[],
  wanted: string | true,
  envName: string,
): CapabilityRecord[] {
  const mcp = capabilities.filter((capability) => protocolFamily(capability.protocol) === 'mcp');
  if (wanted === true) {
    if (mcp.length === 0) {
      throw new HudError(
        'capability_not_found',
        `environment '${envName}' publishes no MCP capability (${MCP_PROTOCOL}); add one with env.mcp(...)`,
      );
    }
    return mcp;
  }
  const chosen = mcp.find((capability) => capability.name === wanted);
  if (!chosen) {
    const available = mcp.map((capability) => capability.name).join(', ') || 'none';
    throw new HudError(
      'capability_not_found',
      `environment '${envName}' has no MCP capability '${wanted}' (MCP capabilities: ${available})`,
    );
  }
  return [chosen];
}

/**
 * `hud serve <file> --mcp [capability]`: runs the environment (hooks, control port) and proxies its MCP
 * capabilities over stdio for an editor. stdout is the MCP channel; logs, console output of the
 * environment and the `HUD_SERVE_PORT=` line go to stderr. The control port is the `--port` given, else any
 * free port. Ends when the editor closes stdin, or on SIGTERM/SIGINT, running the shutdown hooks.
 */
export async function serveMcp(
  file: string,
  flags: ServeMcpFlags,
  portGiven: boolean,
): Promise<void> {
  // One stray console.log from environment code would corrupt the JSON-RPC stream (MCP SDK pitfall).
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  const logger = stderrLogger({ verbose: flags.verbose });
  // Handlers first: a signal during start-up must still run the shutdown hooks (see serve.ts).
  let requestStop: (reason: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => {
    requestStop = resolve;
  });
  process.once('SIGTERM', () => requestStop('SIGTERM'));
  process.once('SIGINT', () => requestStop('SIGINT'));

  const { env } = await loadEnvironment(file, { name: flags.env, fallbacks: hudModuleFallbacks() });
  env.warn = (message) => logger.warn(message);
  const ttl = count(flags.parkedTtl, '--parked-ttl');
  const server = await serve(env, {
    host: flags.host,
    port: portGiven ? count(flags.port, '--port') : 0,
    token: flags.token ?? process.env.HUD_SERVE_TOKEN,
    insecure: flags.insecure,
    maxFrameBytes: count(flags.maxFrameBytes, '--max-frame-bytes'),
    parkedTtlMs: ttl === undefined ? undefined : ttl * 1000,
    logger,
  });
  const upstreams: McpClient[] = [];
  try {
    for (const capability of selectMcp(env.capabilities, flags.mcp, env.name)) {
      upstreams.push(await McpClient.connect(capability));
    }
    const proxy = await serveMcpStdioProxy({
      upstreams,
      serverInfo: { name: env.name, version: env.version },
    });
    process.stderr.write(`${PORT_ANNOUNCEMENT}${server.port}\n`);
    logger.debug(
      `serving '${env.name}' ${env.version} on ${server.url}; MCP over stdio: ${upstreams.map((client) => client.binding.name).join(', ')}`,
    );
    const reason = await Promise.race([stopRequested, proxy.closed.then(() => 'stdin closed')]);
    logger.debug(`${reason}: closing the MCP proxy and running shutdown hooks`);
    await proxy.close();
  } finally {
    await Promise.all(upstreams.map((client) => client.close()));
    await server.close();
  }
  // Exit even if an environment left a handle open after its shutdown hooks.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}
