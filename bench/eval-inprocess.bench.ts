/**
 * `hud eval` figure 2 — 3,000 letter-count tasks, `oracle`, the in-process runtime (`InProcessRuntime(env)`:
 * the env served inside the calling process, one loopback control port per rollout), max-concurrent 4,
 * through `taskset.run`, each measurement in a fresh process (lib/eval-api-child.ts):
 *
 * - **with store**: the job recorded in a JobStore on disk (the CLI's default: `runs.jsonl`, a trace file
 *   per rollout);
 * - **without store**: in memory only;
 * - **baseline**: raw start+grade cycles against one `bind` of the same env in the same kind of process,
 *   4 HudClient connections opened before the clock, 3,000 cycles in all — no scheduler, no per-rollout
 *   port or connection, no agent, no store.
 *
 * Rollouts/s over the `taskset.run` call (cycles/s for the baseline) and CPU per rollout (the process's
 * user + system, all threads). Target ≥ 1,500 rollouts/s; hud-python 0.6.16: 472 rollouts/s.
 * `--against <checkout>` adds rows for another built checkout (A/B in the same run). `--store-dir <dir>` puts
 * the stores under `<dir>` instead of the system's temp directory (e.g. `/dev/shm`, to tell the store's own
 * cost from the file system's: creating a trace file is most of it on some disks). Main-thread CPU is
 * reported next to the process's: the event loop is what bounds the rate.
 *
 *   node bench/eval-inprocess.bench.ts [--runs 3] [--against /path/to/other/checkout] [--store-dir /dev/shm]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { againstCheckout, runApi } from './lib/eval-common.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const ROWS = 3_000;
const CONCURRENCY = 4;
const AGAINST = againstCheckout();
const STORE_DIR_INDEX = process.argv.indexOf('--store-dir');
const STORE_DIR =
  STORE_DIR_INDEX === -1 ? os.tmpdir() : path.resolve(process.argv[STORE_DIR_INDEX + 1] ?? '');

interface Figures {
  perSecond: number;
  /** Every thread of the process (main, thread pool, GC). */
  cpuUsPerRollout: number;
  /** The main thread (the event loop) only. */
  mainUsPerRollout: number;
}

const scratch = mkdtempSync(path.join(STORE_DIR, 'hud-eval-inprocess-'));

type Kind = 'raw' | 'store' | 'memory' | 'storeAgainst' | 'memoryAgainst';
const KINDS: Kind[] = AGAINST
  ? ['raw', 'store', 'storeAgainst', 'memory', 'memoryAgainst']
  : ['raw', 'store', 'memory'];

async function measure(kind: Kind): Promise<Figures> {
  const result = await runApi({
    runtime: kind === 'raw' ? 'raw' : 'inprocess',
    rows: ROWS,
    concurrency: CONCURRENCY,
    store: kind.startsWith('store') ? path.join(scratch, 'jobs') : undefined,
    root: kind.endsWith('Against') ? AGAINST : undefined,
  });
  if (result.errors > 0) throw new Error(`${kind}: ${result.errors} runs without a verdict`);
  return {
    perSecond: result.rolloutsPerSecond,
    cpuUsPerRollout: (result.cpuMs * 1000) / ROWS,
    mainUsPerRollout: (result.mainCpuMs * 1000) / ROWS,
  };
}

await stats.printContext(
  `hud eval figure 2: ${stats.formatNumber(ROWS)} letter-count tasks, oracle, in-process runtime, max-concurrent ${CONCURRENCY}, stores under ${STORE_DIR}`,
);
try {
  const runs: Record<Kind, Figures>[] = [];
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? KINDS : [...KINDS].reverse();
    const figures = {} as Record<Kind, Figures>;
    for (const kind of order) figures[kind] = await measure(kind);
    runs.push(figures);
    const line = (kind: Kind) =>
      `${stats.formatNumber(figures[kind].perSecond)}/s (${stats.formatRatio(figures[kind].perSecond / figures.raw.perSecond)}, ${stats.formatNumber(figures[kind].cpuUsPerRollout)} µs CPU, ${stats.formatNumber(figures[kind].mainUsPerRollout)} main)`;
    console.log(
      `run ${run + 1}: raw ${stats.formatNumber(figures.raw.perSecond)} cycles/s (${stats.formatNumber(figures.raw.cpuUsPerRollout)} µs CPU); with store ${line('store')}; without ${line('memory')}` +
        (AGAINST
          ? `; against: with store ${line('storeAgainst')}, without ${line('memoryAgainst')}`
          : ''),
    );
  }
  const med = (kind: Kind, pick: (f: Figures) => number) =>
    stats.median(runs.map((r) => pick(r[kind])));
  const ratio = (kind: Kind) => stats.median(runs.map((r) => r[kind].perSecond / r.raw.perSecond));
  const raw = `${stats.formatNumber(med('raw', (f) => f.perSecond))} raw cycles/s`;
  const rows: string[][] = [
    [`median of ${RUNS} runs`, 'ours', 'baseline (same run)', 'ratio', 'target', 'hud-python'],
    [
      `2. rollouts/s, JobStore ${STORE_DIR_INDEX === -1 ? 'on disk' : `under ${STORE_DIR}`}`,
      stats.formatNumber(med('store', (f) => f.perSecond)),
      raw,
      stats.formatRatio(ratio('store')),
      '≥ 1,500',
      '472',
    ],
    [
      '2. rollouts/s, no store',
      stats.formatNumber(med('memory', (f) => f.perSecond)),
      raw,
      stats.formatRatio(ratio('memory')),
      '≥ 1,500',
      '472',
    ],
    [
      '2. CPU µs/rollout, store / no store',
      `${stats.formatNumber(med('store', (f) => f.cpuUsPerRollout))} / ${stats.formatNumber(med('memory', (f) => f.cpuUsPerRollout))}`,
      `${stats.formatNumber(med('raw', (f) => f.cpuUsPerRollout))} µs/raw cycle`,
      '',
      '',
      '',
    ],
    [
      '   main thread µs/rollout, store / no store',
      `${stats.formatNumber(med('store', (f) => f.mainUsPerRollout))} / ${stats.formatNumber(med('memory', (f) => f.mainUsPerRollout))}`,
      `${stats.formatNumber(med('raw', (f) => f.mainUsPerRollout))} µs/raw cycle`,
      '',
      '',
      '',
    ],
  ];
  if (AGAINST) {
    rows.push([
      '   rollouts/s, store, against',
      stats.formatNumber(med('storeAgainst', (f) => f.perSecond)),
      raw,
      stats.formatRatio(ratio('storeAgainst')),
      '',
      '',
    ]);
    rows.push([
      '   rollouts/s, no store, against',
      stats.formatNumber(med('memoryAgainst', (f) => f.perSecond)),
      raw,
      stats.formatRatio(ratio('memoryAgainst')),
      '',
      '',
    ]);
    rows.push([
      '   CPU µs/rollout, store / no store, against',
      `${stats.formatNumber(med('storeAgainst', (f) => f.cpuUsPerRollout))} / ${stats.formatNumber(med('memoryAgainst', (f) => f.cpuUsPerRollout))}`,
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      '   main thread µs/rollout, store / no store, against',
      `${stats.formatNumber(med('storeAgainst', (f) => f.mainUsPerRollout))} / ${stats.formatNumber(med('memoryAgainst', (f) => f.mainUsPerRollout))}`,
      '',
      '',
      '',
      '',
    ]);
  }
  stats.printTable(rows);
  if (AGAINST) console.log(`against: ${AGAINST}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
