/**
 * Figure 4 — 256 MiB through a `tunnel.open` capability stream vs the same bytes sent directly over
 * loopback to the same backend, in the server's process (bench/stream-env.ts):
 * - one way: the client writes 256 MiB to `sink`, half-closes, and waits for the sink's byte count;
 * - echo: the client writes 256 MiB to `echo` and reads the 256 MiB back, concurrently.
 * Throughput = 256 MiB / time from the first byte written to the last byte (or the count) received.
 * Ratios tunnel/direct. Also: server CPU per MiB, and bench-local relays (lib/relay.ts) with other
 * splices (lib/splices.ts; `current` = a copy of tunnel.ts's) to compare splice implementations on the
 * same backends. Each run does every path once, interleaved, so they share the machine load.
 * Targets: ≥ hud-python (0.25× one way, 0.13× echo), aiming at 0.4× one way.
 *
 *   node bench/tunnel.bench.ts [--runs 3] [--splices current,proposed,closing,coalescing,user-buffer-256k]
 */
import net from 'node:net';
import { type ServerChild, startServer } from './lib/server-child.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const TOTAL = 256 * 1024 * 1024;
const CHUNK = 64 * 1024;
const spliceArg = process.argv.indexOf('--splices');
const SPLICE_NAMES = (spliceArg === -1 ? 'current,proposed' : (process.argv[spliceArg + 1] ?? ''))
  .split(',')
  .filter(Boolean);

type Direction = 'one-way' | 'echo';

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Sends the tunnel.open preface and reads the reply line; returns bytes that followed it. */
async function openTunnel(socket: net.Socket, capability: string): Promise<Buffer> {
  socket.write(
    `{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":"${capability}"}}\n`,
  );
  let received = Buffer.alloc(0);
  return new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const newline = received.indexOf(0x0a);
      if (newline === -1) return;
      socket.off('data', onData);
      socket.pause();
      const reply = received.subarray(0, newline).toString();
      if (!reply.includes('"result"')) reject(new Error(`tunnel.open replied ${reply}`));
      resolve(received.subarray(newline + 1));
    };
    socket.on('data', onData);
  });
}

const payload = Buffer.alloc(CHUNK, 'hud-tunnel-bench');

async function writeAll(socket: net.Socket): Promise<void> {
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (!socket.write(payload)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
}

/** One 256 MiB transfer; returns MiB/s and the server's CPU ms per MiB. */
async function transfer(
  server: ServerChild,
  port: number,
  direction: Direction,
  tunnel: boolean,
): Promise<{ mibPerSecond: number; cpuMsPerMib: number }> {
  const capability = direction === 'one-way' ? 'sink' : 'echo';
  const socket = await connect(port);
  let early: Buffer = Buffer.alloc(0);
  if (tunnel) early = await openTunnel(socket, capability);
  const before = await server.stats();
  const started = performance.now();
  const done = new Promise<number>((resolve, reject) => {
    let bytes = early.length;
    let text = early.toString('latin1');
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (direction === 'one-way') text += chunk.toString('latin1');
    });
    socket.once('end', () => resolve(direction === 'one-way' ? Number(text) : bytes));
    socket.once('error', reject);
    socket.resume();
  });
  await writeAll(socket);
  const received = await done;
  const seconds = (performance.now() - started) / 1000;
  const after = await server.stats();
  socket.destroy();
  if (received !== TOTAL) throw new Error(`${direction}: ${received} of ${TOTAL} bytes arrived`);
  const mib = TOTAL / (1024 * 1024);
  return { mibPerSecond: mib / seconds, cpuMsPerMib: (after.cpuUs - before.cpuUs) / 1000 / mib };
}

await stats.printContext('Figure 4: 256 MiB through tunnel.open vs direct loopback');
const server = await startServer('hud.ts', ['streams', ...SPLICE_NAMES]);
const paths: { name: string; port: number; tunnel: boolean }[] = [
  { name: 'direct', port: 0, tunnel: false },
  { name: 'tunnel.open (hud server)', port: server.ports.control as number, tunnel: true },
  ...SPLICE_NAMES.map((name) => ({
    name: `bench relay, splice '${name}'`,
    port: server.ports[`relay:${name}`] as number,
    tunnel: true,
  })),
];
const directPort = (direction: Direction) =>
  (direction === 'one-way' ? server.ports.sink : server.ports.echo) as number;
try {
  const results = new Map<string, { mibPerSecond: number[]; cpu: number[]; ratio: number[] }>();
  for (let run = -1; run < RUNS; run++) {
    for (const direction of ['one-way', 'echo'] as const) {
      let direct = 0;
      for (const path of paths) {
        const port = path.tunnel ? path.port : directPort(direction);
        const result = await transfer(server, port, direction, path.tunnel);
        if (!path.tunnel) direct = result.mibPerSecond;
        if (run < 0) continue; // warm-up round
        const key = `${direction}|${path.name}`;
        const entry = results.get(key) ?? { mibPerSecond: [], cpu: [], ratio: [] };
        entry.mibPerSecond.push(result.mibPerSecond);
        entry.cpu.push(result.cpuMsPerMib);
        entry.ratio.push(result.mibPerSecond / direct);
        results.set(key, entry);
      }
    }
    if (run >= 0) console.log(`run ${run + 1} done`);
  }
  const rows: string[][] = [
    [`median of ${RUNS} runs`, 'MiB/s', 'ratio to direct', 'server CPU ms/MiB', 'hud-python'],
  ];
  for (const [key, entry] of results) {
    const [direction, name] = key.split('|') as [Direction, string];
    const python =
      name === 'tunnel.open (hud server)' ? (direction === 'one-way' ? '0.25×' : '0.13×') : '';
    rows.push([
      `${direction}: ${name}`,
      stats.formatNumber(stats.median(entry.mibPerSecond)),
      stats.formatRatio(stats.median(entry.ratio)),
      stats.formatNumber(stats.median(entry.cpu), 2),
      python,
    ]);
  }
  stats.printTable(rows);
} finally {
  await server.stop();
}
