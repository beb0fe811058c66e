/**
 * Figure 1 — start+grade cycles per second over ONE connection (one outstanding request at a time),
 * our server vs the minimal NDJSON responder (servers/minimal.ts), each in its own process.
 * Target: ≥ 0.85× minimal. hud-python 0.6.16 on 2 vCPUs: 3,285 cycles/s (minimal Node server 6,100).
 *
 * Each run alternates the two servers in blocks of BLOCK cycles (so both see the same machine load):
 * cycles/s = cycles / wall time per server; the run's ratio is the median of the per-block-pair ratios
 * (robust to a burst of load from other processes hitting one block). Also reports the server's CPU µs
 * per cycle (process.cpuUsage() inside the server, before/after each block).
 *
 *   node bench/single-connection.bench.ts [--runs 3]
 */
import { LineClient, runCycles } from './lib/line-client.ts';
import { type ServerChild, startServer } from './lib/server-child.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const BLOCKS = 10;
const BLOCK = 1_000;
const WARMUP_CYCLES = 3_000;

interface Tally {
  cycles: number;
  seconds: number;
  cpuUs: number;
}

/** Runs `cycles` cycles on the server's open connection and adds time and server CPU to `tally`. */
async function block(server: ServerChild, client: LineClient, cycles: number, tally: Tally) {
  const before = await server.stats();
  const started = performance.now();
  await runCycles(client, cycles);
  tally.seconds += (performance.now() - started) / 1000;
  tally.cpuUs += (await server.stats()).cpuUs - before.cpuUs;
  tally.cycles += cycles;
}

await stats.printContext('Figure 1: start+grade cycles/s over one connection');
const minimal = await startServer('minimal.ts');
const ours = await startServer('hud.ts', ['conformance']);
try {
  const minimalClient = await LineClient.connect(minimal.ports.control as number);
  const ourClient = await LineClient.connect(ours.ports.control as number);
  await runCycles(minimalClient, WARMUP_CYCLES);
  await runCycles(ourClient, WARMUP_CYCLES);
  const results = { ours: [] as Tally[], minimal: [] as Tally[], ratio: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const base: Tally = { cycles: 0, seconds: 0, cpuUs: 0 };
    const our: Tally = { cycles: 0, seconds: 0, cpuUs: 0 };
    const pairRatios: number[] = [];
    for (let index = 0; index < BLOCKS; index++) {
      const baseSeconds = base.seconds;
      const ourSeconds = our.seconds;
      await block(minimal, minimalClient, BLOCK, base);
      await block(ours, ourClient, BLOCK, our);
      pairRatios.push((base.seconds - baseSeconds) / (our.seconds - ourSeconds));
    }
    const ratio = stats.median(pairRatios);
    results.minimal.push(base);
    results.ours.push(our);
    results.ratio.push(ratio);
    console.log(
      `run ${run + 1}: minimal ${stats.formatNumber(base.cycles / base.seconds)} cycles/s, ours ${stats.formatNumber(our.cycles / our.seconds)} cycles/s (${stats.formatRatio(ratio)})`,
    );
  }
  await Promise.all([minimalClient.close(), ourClient.close()]);
  const rate = (tallies: Tally[]) => stats.median(tallies.map((t) => t.cycles / t.seconds));
  const cpu = (tallies: Tally[]) => stats.median(tallies.map((t) => t.cpuUs / t.cycles));
  stats.printTable([
    [
      `median of ${RUNS} runs (${stats.formatNumber(BLOCKS * BLOCK)} cycles each)`,
      'ours',
      'minimal',
      'ratio',
      'target',
      'hud-python',
    ],
    [
      'cycles/s, 1 connection',
      stats.formatNumber(rate(results.ours)),
      stats.formatNumber(rate(results.minimal)),
      stats.formatRatio(stats.median(results.ratio)),
      '≥ 0.85×',
      '3,285 (0.54× of 6,100)',
    ],
    [
      'server CPU µs/cycle',
      stats.formatNumber(cpu(results.ours), 1),
      stats.formatNumber(cpu(results.minimal), 1),
      stats.formatRatio(cpu(results.ours) / cpu(results.minimal)),
      '',
      '',
    ],
  ]);
} finally {
  await Promise.all([minimal.stop(), ours.stop()]);
}
