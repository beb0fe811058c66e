/**
 * Our server, as `hud serve` runs it: `serve(env)` from @hud/environment on 127.0.0.1:0.
 *
 *   node servers/hud.ts conformance           the count template (examples/conformance/env.ts)
 *   node servers/hud.ts streams [splice…]     bench/stream-env.ts (sink, echo), plus a bench-local
 *                                             relay per named splice (lib/splices.ts)
 *
 * Ports announced: `control` (our server), and for `streams` the capabilities `sink`, `echo` and
 * `relay:<splice>`. Stats carry `parked`, `runners` and `connections` of our server.
 */
import { capabilityEndpoint, type Environment, serve } from '@hud/environment';
import { serveStats } from '../lib/child-ipc.ts';
import { startRelay } from '../lib/relay.ts';
import { SPLICES } from '../lib/splices.ts';

const [which = 'conformance', ...spliceNames] = process.argv.slice(2);

async function loadEnv(): Promise<Environment> {
  if (which === 'conformance') return (await import('@hud/example-conformance/env')).env;
  if (which === 'streams') return (await import('../stream-env.ts')).env;
  throw new Error(`unknown bench env '${which}' (conformance | streams)`);
}

const env = await loadEnv();
const server = await serve(env, { port: 0 });
const ports: Record<string, number> = { control: server.port };
const endpoints = new Map(
  env.capabilities.map((capability) => [capability.name, capabilityEndpoint(capability)]),
);
for (const [name, endpoint] of endpoints) ports[name] = endpoint.port;
for (const name of spliceNames) {
  const kind = SPLICES[name];
  if (!kind) throw new Error(`unknown splice '${name}' (${Object.keys(SPLICES).join(', ')})`);
  ports[`relay:${name}`] = await startRelay(endpoints, kind);
}
serveStats(ports, () => ({
  parked: server.channel.parkedCount,
  runners: server.channel.runnerCount,
  connections: server.connectionCount,
}));
