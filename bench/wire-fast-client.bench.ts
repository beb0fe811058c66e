/**
 * Figure 1, at the machine's pace — start+grade cycles per second over ONE connection (one outstanding
 * request at a time) driven by two clients in a process of their own:
 *
 * - **fast**: `lib/fast-client.c`, a blocking raw-socket client in C (built with the system `cc` on first
 *   use) that writes the next request as soon as it has read the reply, so the server sets the pace;
 * - **node**: `lib/line-client.ts` (the client of single-connection.bench.ts), which spends about as much
 *   CPU per request as the minimal server and so hides part of a server's cost.
 *
 * Servers, each in its own process: the minimal NDJSON responder (servers/minimal.ts, the baseline), ours
 * as `serve(env)` from a script (servers/hud.ts) and ours as `hud serve examples/conformance/env.ts`
 * through the CLI (packages/cli/bin/hud.js). `--against <checkout>` adds both of ours from another
 * checkout (built), for an A/B of a change in the same run.
 *
 * Each run alternates the servers in blocks of BLOCK cycles (all see the same machine load); a server's
 * cycles/s = cycles / wall time, its ratio = the median of its per-block ratios to the minimal server's
 * block right before it. Server CPU µs per cycle: the server process's CPU time (/proc schedstat, every
 * thread) across its blocks. p50/p99: per cycle (start written → grade reply read) over the run.
 * Targets (issue 14): ≥ 0.85× the minimal responder's cycles/s with the fast client; server CPU ≤ 1.3×
 * the minimal server's. The fast client must drive the minimal server at ≥ 9,000 cycles/s on an idle
 * machine, or it is the bottleneck (the table says so).
 *
 *   node bench/wire-fast-client.bench.ts [--runs 3] [--clients fast,node] [--against <checkout>]
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastClient } from './lib/fast-client.ts';
import { LineClient, runTimedCycles } from './lib/line-client.ts';
import { processCpuUs, type ServerChild, startCliServer, startServer } from './lib/server-child.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const BLOCKS = 10;
const BLOCK = 1_000;
const WARMUP_CYCLES = 3_000;
const FAST_CLIENT_FLOOR = 9_000;
const REPO = fileURLToPath(new URL('../', import.meta.url));

function argument(flag: string): string | undefined {
  const index = process.argv.indexOf(flag);
  return index === -1 ? undefined : process.argv[index + 1];
}

const CLIENTS = (argument('--clients') ?? 'fast,node').split(',') as ('fast' | 'node')[];
const AGAINST = argument('--against') && path.resolve(argument('--against') as string);

/** A client holding one connection to one server: runs a block, returns its wall time and latencies. */
interface Driver {
  run(cycles: number): Promise<{ seconds: number; latenciesUs: number[] }>;
  close(): Promise<void>;
}

async function connect(kind: 'fast' | 'node', port: number): Promise<Driver> {
  if (kind === 'fast') return FastClient.connect(port);
  const client = await LineClient.connect(port);
  let nextId = 1;
  return {
    async run(cycles) {
      const started = performance.now();
      const latenciesUs = await runTimedCycles(client, cycles, nextId);
      nextId += 2 * cycles;
      return { seconds: (performance.now() - started) / 1000, latenciesUs };
    },
    close: () => client.close(),
  };
}

interface Subject {
  name: string;
  server: ServerChild;
}

interface Tally {
  cycles: number;
  seconds: number;
  cpuUs: number;
  latenciesUs: number[];
  blockRatios: number[];
}

const subjects: Subject[] = [];
const conformance = path.join(REPO, 'examples/conformance/env.ts');
await stats.printContext('Figure 1 (fast client): start+grade cycles/s over one connection');
try {
  subjects.push({ name: 'minimal', server: await startServer('minimal.ts') });
  subjects.push({ name: 'serve()', server: await startServer('hud.ts', ['conformance']) });
  subjects.push({ name: 'hud serve', server: await startCliServer(conformance) });
  if (AGAINST) {
    const againstEnv = path.join(AGAINST, 'examples/conformance/env.ts');
    subjects.push({
      name: 'serve() against',
      server: await startServer('hud.ts', ['conformance'], { checkout: AGAINST }),
    });
    subjects.push({
      name: 'hud serve against',
      server: await startCliServer(againstEnv, { checkout: AGAINST }),
    });
    console.log(`against: ${AGAINST}`);
  }
  const rows: string[][] = [
    [
      `median of ${RUNS} runs (${stats.formatNumber(BLOCKS * BLOCK)} cycles each)`,
      'cycles/s',
      'ratio',
      'CPU µs/cycle',
      'CPU ratio',
      'p50 µs',
      'p99 µs',
    ],
  ];
  for (const kind of CLIENTS) {
    const drivers = await Promise.all(
      subjects.map((subject) => connect(kind, subject.server.ports.control as number)),
    );
    for (const driver of drivers) await driver.run(WARMUP_CYCLES);
    const runs: Tally[][] = [];
    for (let run = 0; run < RUNS; run++) {
      const tallies: Tally[] = subjects.map(() => ({
        cycles: 0,
        seconds: 0,
        cpuUs: 0,
        latenciesUs: [],
        blockRatios: [],
      }));
      for (let index = 0; index < BLOCKS; index++) {
        let baseSeconds = 0;
        for (const [position, subject] of subjects.entries()) {
          const tally = tallies[position] as Tally;
          const before = processCpuUs(subject.server.pid);
          const block = await (drivers[position] as Driver).run(BLOCK);
          tally.cpuUs += processCpuUs(subject.server.pid) - before;
          tally.cycles += BLOCK;
          tally.seconds += block.seconds;
          for (const latency of block.latenciesUs) tally.latenciesUs.push(latency);
          if (position === 0) baseSeconds = block.seconds;
          tally.blockRatios.push(baseSeconds / block.seconds);
        }
      }
      runs.push(tallies);
      console.log(
        `${kind} client, run ${run + 1}: ${subjects
          .map((subject, position) => {
            const tally = tallies[position] as Tally;
            return `${subject.name} ${stats.formatNumber(tally.cycles / tally.seconds)}/s (${stats.formatRatio(stats.median(tally.blockRatios))})`;
          })
          .join(', ')}`,
      );
    }
    await Promise.all(drivers.map((driver) => driver.close()));
    const pick = (position: number, figure: (tally: Tally) => number) =>
      stats.median(runs.map((tallies) => figure(tallies[position] as Tally)));
    const cpu = (position: number) => pick(position, (t) => t.cpuUs / t.cycles);
    for (const [position, subject] of subjects.entries()) {
      const rate = pick(position, (t) => t.cycles / t.seconds);
      const slow =
        position === 0 && kind === 'fast' && rate < FAST_CLIENT_FLOOR
          ? ` (< ${stats.formatNumber(FAST_CLIENT_FLOOR)}: loaded machine or client-bound)`
          : '';
      rows.push([
        `${kind} client, ${subject.name}${slow}`,
        stats.formatNumber(rate),
        position === 0 ? '' : stats.formatRatio(pick(position, (t) => stats.median(t.blockRatios))),
        stats.formatNumber(cpu(position), 1),
        position === 0 ? '' : stats.formatRatio(cpu(position) / cpu(0)),
        stats.formatNumber(
          pick(position, (t) => percentile(t.latenciesUs, 50)),
          0,
        ),
        stats.formatNumber(
          pick(position, (t) => percentile(t.latenciesUs, 99)),
          0,
        ),
      ]);
    }
  }
  stats.printTable(rows);
  console.log(
    `targets (fast client): ratio ≥ 0.85×, CPU ratio ≤ 1.3×; load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} at the end`,
  );
} finally {
  await Promise.all(subjects.map((subject) => subject.server.stop()));
}

/** The `p`-th percentile (0–100, nearest rank) of a non-empty list. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
