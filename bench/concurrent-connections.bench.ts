/**
 * Figure 2 — 50 connections × 100 start+grade cycles each, all connections at once (one outstanding
 * request per connection): cycles/s and the server's CPU µs per cycle (process.cpuUsage() inside the
 * server process), our server vs the minimal NDJSON responder.
 * Targets: ≥ 0.8× minimal cycles/s; ≤ 60 µs CPU/cycle. hud-python 0.6.16 on 2 vCPUs: 7,235 cycles/s
 * (minimal Node 17,000), 136 µs/cycle (minimal 38 µs).
 *
 * A batch opens 50 fresh connections (each sends `hello`) before the clock starts. A run = BATCHES
 * batches per server, alternating (so both see the same machine load); its figures are the median
 * batch, its ratio the median of the batch-pair ratios.
 *
 *   node bench/concurrent-connections.bench.ts [--runs 3]
 */
import { Frames, LineClient, runCycles } from './lib/line-client.ts';
import { type ServerChild, startServer } from './lib/server-child.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const CONNECTIONS = 50;
const CYCLES_PER_CONNECTION = 100;
const BATCHES = 4;

interface Batch {
  cyclesPerSecond: number;
  cpuUsPerCycle: number;
}

/** One batch: 50 fresh connections (hello each), then 100 cycles on each at once. */
async function batch(server: ServerChild): Promise<Batch> {
  const port = server.ports.control as number;
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => LineClient.connect(port)),
  );
  await Promise.all(clients.map((client) => client.request(Frames.hello(1))));
  const before = await server.stats();
  const started = performance.now();
  await Promise.all(clients.map((client) => runCycles(client, CYCLES_PER_CONNECTION, 2)));
  const seconds = (performance.now() - started) / 1000;
  const after = await server.stats();
  await Promise.all(clients.map((client) => client.close()));
  const cycles = CONNECTIONS * CYCLES_PER_CONNECTION;
  return {
    cyclesPerSecond: cycles / seconds,
    cpuUsPerCycle: (after.cpuUs - before.cpuUs) / cycles,
  };
}

await stats.printContext(
  `Figure 2: ${CONNECTIONS} connections × ${CYCLES_PER_CONNECTION} start+grade cycles`,
);
const minimal = await startServer('minimal.ts');
const ours = await startServer('hud.ts', ['conformance']);
try {
  for (let warmup = 0; warmup < 3; warmup++) {
    await batch(minimal);
    await batch(ours);
  }
  const runs: { ours: Batch[]; minimal: Batch[]; ratio: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const result = { ours: [] as Batch[], minimal: [] as Batch[], ratio: 0 };
    for (let index = 0; index < BATCHES; index++) {
      result.minimal.push(await batch(minimal));
      result.ours.push(await batch(ours));
    }
    result.ratio = stats.median(
      result.ours.map(
        (our, index) => our.cyclesPerSecond / (result.minimal[index] as Batch).cyclesPerSecond,
      ),
    );
    runs.push(result);
    const rate = (batches: Batch[]) => stats.median(batches.map((b) => b.cyclesPerSecond));
    console.log(
      `run ${run + 1}: minimal ${stats.formatNumber(rate(result.minimal))} cycles/s, ours ${stats.formatNumber(rate(result.ours))} cycles/s (${stats.formatRatio(result.ratio)})`,
    );
  }
  const rate = (pick: 'ours' | 'minimal') =>
    stats.median(runs.map((run) => stats.median(run[pick].map((b) => b.cyclesPerSecond))));
  const cpu = (pick: 'ours' | 'minimal') =>
    stats.median(runs.map((run) => stats.median(run[pick].map((b) => b.cpuUsPerCycle))));
  stats.printTable([
    [`median of ${RUNS} runs`, 'ours', 'minimal', 'ratio', 'target', 'hud-python'],
    [
      `cycles/s, ${CONNECTIONS}×${CYCLES_PER_CONNECTION}`,
      stats.formatNumber(rate('ours')),
      stats.formatNumber(rate('minimal')),
      stats.formatRatio(stats.median(runs.map((run) => run.ratio))),
      '≥ 0.8×',
      '7,235 (0.43× of 17,000)',
    ],
    [
      'server CPU µs/cycle',
      stats.formatNumber(cpu('ours'), 1),
      stats.formatNumber(cpu('minimal'), 1),
      stats.formatRatio(cpu('ours') / cpu('minimal')),
      '≤ 60 µs',
      '136 (minimal 38)',
    ],
  ]);
} finally {
  await Promise.all([minimal.stop(), ours.stop()]);
}
