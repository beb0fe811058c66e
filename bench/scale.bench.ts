/**
 * Scale simulation: one job keeps `--rollouts` rollouts in flight (default 500, `maxConcurrent` = that)
 * against a simulated sandbox vendor (`@hud/testing/scale` `ScaleProvider`): each create waits for a slot
 * of the rate limit (`--rate`, default 100 creates/s), takes 1–5 s, and fails 2 % of the time — a failed
 * create is retried (up to 3 times) as an infrastructure event, never a reward; each sandbox is a small
 * control-channel server on loopback. The agent answers the prompt's word after `--hold-ms` (default
 * 3000, so the sandboxes of a wave are alive together). The job runs through `Taskset.run` of `@hud/eval`
 * in this process (the scheduler `hud eval` uses), twice (`--waves`, default 2), with no job store.
 *
 * Sampled every 50 ms: this process's RSS and open file descriptors (`/proc/self/fd`). Per wave: runs,
 * graded (all 1.0 expected), errored (each must carry a reason), create retries, peak sandboxes alive at
 * once, peak RSS and fds, wall time. Targets: peak RSS < 1 GB at 500 in flight, no growth from wave 1 to
 * wave 2, fds back to the baseline after each wave. Nothing is asserted by a test (timings vary); the
 * script exits 1 when a rollout is neither graded nor errored with a reason.
 *
 * Run with `node --expose-gc` to add the heap left after a forced collection at the end of each wave.
 *
 *   node [--expose-gc] bench/scale.bench.ts [--rollouts 500] [--waves 2] [--rate 100] [--hold-ms 3000]
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './lib/eval-common.ts';
import { formatNumber, printContext, printTable } from './lib/stats.ts';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return value;
}

const ROLLOUTS = option('rollouts', 500);
const WAVES = option('waves', 2);
const RATE = option('rate', 100);
const HOLD_MS = option('hold-ms', 3000);
const MB = 1024 * 1024;

// biome-ignore lint/suspicious/noExplicitAny: the packages are imported from their built dist by path
type Module = any;
const load = (file: string): Promise<Module> => import(pathToFileURL(path.join(REPO, file)).href);
const evalPkg = await load('packages/eval/dist/index.js');
const scale = await load('packages/testing/dist/scale/index.js');

const fds = () => readdirSync('/proc/self/fd').length;

/** Answers the word of `say <word>` after HOLD_MS. */
const agent = {
  name: 'say-the-word',
  async run(context: { prompt: unknown; signal: AbortSignal }) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, HOLD_MS);
      context.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(context.signal.reason);
        },
        { once: true },
      );
    });
    const text =
      typeof context.prompt === 'string' ? context.prompt : JSON.stringify(context.prompt);
    return { answer: /say (\S+)/.exec(text)?.[1] ?? '' };
  },
};

await printContext(
  `scale simulation: ${ROLLOUTS} rollouts in flight × ${WAVES} waves, creates ≤ ${RATE}/s, 1–5 s each, 2 % failing`,
);
const baseline = { rss: process.memoryUsage().rss, fds: fds() };
console.log(
  `baseline: RSS ${formatNumber(baseline.rss / MB)} MB, ${baseline.fds} fds (packages loaded, nothing run)`,
);

const rows: string[][] = [
  [
    'wave',
    'runs',
    'graded (reward)',
    'errored',
    'create retries',
    'peak alive',
    'peak RSS MB',
    'peak fds',
    'fds after',
    'heap after GC MB',
    'wall s',
  ],
];
let unexplained = 0;
for (let wave = 1; wave <= WAVES; wave++) {
  const provider = scale.ScaleProvider({
    createLatencyMs: [1000, 5000],
    failureRate: 0.02,
    createsPerSecond: RATE,
    retries: 3,
    seed: wave,
  });
  const tasks = Array.from({ length: ROLLOUTS }, (_, index) => ({
    env: 'scale',
    id: 'echo',
    slug: `echo-${wave}-${index}`,
    args: { word: `w${index}` },
  }));
  const taskset = new evalPkg.Taskset(`scale-wave-${wave}`, tasks);
  let peakRss = 0;
  let peakFds = 0;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakFds = Math.max(peakFds, fds());
  };
  const sampler = setInterval(sample, 50);
  const started = performance.now();
  const job = await taskset.run({
    agent,
    provider,
    maxConcurrent: ROLLOUTS,
    keepTraces: false,
  });
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  sample();
  await provider.close();
  const runs: Array<{ isError: boolean; reward: number | null; error?: string | null }> = job.runs;
  const graded = runs.filter((run) => !run.isError);
  const errored = runs.filter((run) => run.isError);
  unexplained += errored.filter((run) => !run.error).length + (ROLLOUTS - runs.length);
  const mean = graded.length
    ? graded.reduce((sum, run) => sum + (run.reward ?? 0), 0) / graded.length
    : Number.NaN;
  for (const run of errored.slice(0, 3)) console.log(`  errored: ${run.error}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  // With --expose-gc: the heap this wave left behind once collected (growth across waves = a leak).
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapAfter = gc ? formatNumber(process.memoryUsage().heapUsed / MB) : '—';
  rows.push([
    String(wave),
    String(runs.length),
    `${graded.length} (${mean.toFixed(2)})`,
    String(errored.length),
    `${provider.stats.retries} of ${provider.stats.creates} creates`,
    String(provider.stats.peakLive),
    formatNumber(peakRss / MB),
    String(peakFds),
    String(fds()),
    heapAfter,
    (wallMs / 1000).toFixed(1),
  ]);
}
printTable(rows);
if (unexplained > 0) {
  console.error(`${unexplained} rollout(s) neither graded nor errored with a reason`);
  process.exitCode = 1;
}
