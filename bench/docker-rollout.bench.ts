/**
 * Docker per-rollout overhead with a cached image, one rollout at a time, alternating with the baseline
 * `docker run --rm <image> true` measured in the same run (the engine's floor for a container that does
 * nothing, docker CLI included). Three figures per rollout of the sample environment:
 *
 * - **rollout, create → verdict**: the provider call (create, start, `hello` answers) → `tasks.start` +
 *   `tasks.grade` → the lease released. This is what a rollout waits for: the container's removal runs in
 *   the background after the release, so it is timed separately.
 * - **container, create → removed**: the same until the engine confirms the removal (`lease.removed()`).
 * - **prewarmed rollout, lease → verdict**: with `prewarm: 1`, the pool is refilled (and earlier removals
 *   finish) before the baseline is timed, so the machine is equally quiet for both; the rollout takes a
 *   container that already answers `hello`, and the pool's refill runs during it.
 *
 * Each ratio is the median over the runs of (p50 of the run / baseline p50 of the run). Target: rollout
 * ratio ≤ 1.3×.
 *
 * `--against <dir>`: another build of `@hud/runtimes-docker` (its `dist/`, with `node_modules` beside it so
 * it resolves its dependencies), measured in the same loop after this one, for A/B in one run.
 *
 *   node bench/docker-rollout.bench.ts [--runs 3] [--rollouts 20] [--against <runtimes-docker dist>]
 */
import path from 'node:path';
import { HudClient } from '@hud/protocol';
import { buildSampleImage, dockerRuntime, IMAGE, percentile, run } from './lib/docker-common.ts';
import {
  formatNumber,
  formatRatio,
  median,
  printContext,
  printTable,
  runCount,
} from './lib/stats.ts';

const RUNS = runCount();
const flag = process.argv.indexOf('--rollouts');
const ROLLOUTS = flag === -1 ? 20 : Number(process.argv[flag + 1]);
const task = { env: 'sample-env', id: 'count_items', slug: 'aisle-a', args: { aisle: 'a' } };
const againstFlag = process.argv.indexOf('--against');
const AGAINST =
  againstFlag === -1 ? undefined : path.resolve(process.argv[againstFlag + 1] ?? '', 'index.js');

await printContext(`Docker rollout overhead (${ROLLOUTS} rollouts × ${RUNS} runs, image cached)`);
const sample = await buildSampleImage();
const { DockerRuntime } = await dockerRuntime();
const cold = DockerRuntime(IMAGE);
const warm = DockerRuntime(IMAGE, { prewarm: 1 });
type Provider = typeof cold;
const other = AGAINST
  ? ((await import(AGAINST)) as Awaited<ReturnType<typeof dockerRuntime>>).DockerRuntime
  : undefined;
const otherCold = other?.(IMAGE);
const otherWarm = other?.(IMAGE, { prewarm: 1 });

interface Samples {
  ready: number[];
  graded: number[];
  verdict: number[];
  removed: number[];
  prewarmed: number[];
  baseline: number[];
  /** The same three with the `--against` build. */
  otherVerdict: number[];
  otherRemoved: number[];
  otherPrewarmed: number[];
}
const runs: Samples[] = [];

async function baseline(samples: Samples): Promise<void> {
  const began = performance.now();
  const ran = await run('docker', ['run', '--rm', IMAGE, 'true']);
  if (ran.code !== 0) throw new Error(`docker run failed: ${ran.stderr}`);
  samples.baseline.push(performance.now() - began);
}

/** One rollout on `provider`: times of ready, graded and released, from `began`. */
async function rollout(provider: Provider, began: number) {
  const lease = await provider(task);
  const ready = performance.now();
  const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
  await client.startTask(task.id, task.args);
  const { score } = await client.grade({ answer: '3' });
  if (score !== 1) throw new Error(`graded ${score}, expected 1`);
  await client.close();
  const graded = performance.now();
  await lease.close();
  const released = performance.now();
  return { lease, ready: ready - began, graded: graded - ready, verdict: released - began };
}

try {
  // Warm-up: the first container pays for page cache and the engine's first layer mounts.
  await (await rollout(cold, performance.now())).lease.removed();
  await run('docker', ['run', '--rm', IMAGE, 'true']);
  await warm.warm(task);
  if (otherCold && otherWarm) {
    await (await rollout(otherCold, performance.now())).lease.removed();
    await otherWarm.warm(task);
  }
  for (let runIndex = 0; runIndex < RUNS; runIndex++) {
    const samples: Samples = {
      ready: [],
      graded: [],
      verdict: [],
      removed: [],
      prewarmed: [],
      baseline: [],
      otherVerdict: [],
      otherRemoved: [],
      otherPrewarmed: [],
    };
    runs.push(samples);
    for (let index = 0; index < ROLLOUTS; index++) {
      // Nothing in the background (the pool's refill, removals) while the baseline runs.
      await warm.warm(task);
      await warm.whenRemoved();
      await otherWarm?.warm(task);
      await otherWarm?.whenRemoved();
      // Alternate with the baseline so both see the same machine load.
      await baseline(samples);
      const began = performance.now();
      const timed = await rollout(cold, began);
      await timed.lease.removed();
      samples.ready.push(timed.ready);
      samples.graded.push(timed.graded);
      samples.verdict.push(timed.verdict);
      samples.removed.push(performance.now() - began);

      const prewarmed = await rollout(warm, performance.now());
      samples.prewarmed.push(prewarmed.verdict);

      if (otherCold && otherWarm) {
        await warm.warm(task);
        await warm.whenRemoved();
        const otherBegan = performance.now();
        const otherTimed = await rollout(otherCold, otherBegan);
        await otherTimed.lease.removed();
        samples.otherVerdict.push(otherTimed.verdict);
        samples.otherRemoved.push(performance.now() - otherBegan);
        samples.otherPrewarmed.push((await rollout(otherWarm, performance.now())).verdict);
      }
    }
  }
} finally {
  await Promise.all([cold.close(), warm.close(), otherCold?.close(), otherWarm?.close()]);
  sample.remove();
}

const all = (pick: (samples: Samples) => number[]) => runs.flatMap(pick);
const ms = (values: number[], p: number) => `${formatNumber(percentile(values, p))} ms`;
const row = (label: string, pick: (samples: Samples) => number[]) => [
  label,
  ms(all(pick), 50),
  ms(all(pick), 90),
];
/** Median over the runs of this run's p50 / its baseline p50. */
const ratio = (pick: (samples: Samples) => number[]) =>
  median(runs.map((samples) => percentile(pick(samples), 50) / percentile(samples.baseline, 50)));
const perRun = (pick: (samples: Samples) => number[]) =>
  runs
    .map((samples) => (percentile(pick(samples), 50) / percentile(samples.baseline, 50)).toFixed(2))
    .join(', ');

printTable([
  ['per rollout (all runs)', 'p50', 'p90'],
  row('create → ready (hello answers)', (s) => s.ready),
  row('ready → graded (start + grade)', (s) => s.graded),
  row('rollout: create → verdict (lease released)', (s) => s.verdict),
  row('container: create → removed (engine confirms)', (s) => s.removed),
  row('prewarmed rollout: lease → verdict', (s) => s.prewarmed),
  row('baseline: docker run --rm <image> true', (s) => s.baseline),
  ...(AGAINST
    ? [
        row('--against: rollout create → verdict', (s) => s.otherVerdict),
        row('--against: container create → removed', (s) => s.otherRemoved),
        row('--against: prewarmed lease → verdict', (s) => s.otherPrewarmed),
      ]
    : []),
]);
console.log('');
printTable([
  ['ratio of p50 to the baseline p50', `median of ${RUNS}`, 'per run'],
  ['rollout: create → verdict', formatRatio(ratio((s) => s.verdict)), perRun((s) => s.verdict)],
  ['container: create → removed', formatRatio(ratio((s) => s.removed)), perRun((s) => s.removed)],
  [
    'prewarmed rollout: lease → verdict',
    formatRatio(ratio((s) => s.prewarmed)),
    perRun((s) => s.prewarmed),
  ],
  ...(AGAINST
    ? [
        [
          '--against: rollout',
          formatRatio(ratio((s) => s.otherVerdict)),
          perRun((s) => s.otherVerdict),
        ],
        [
          '--against: container removed',
          formatRatio(ratio((s) => s.otherRemoved)),
          perRun((s) => s.otherRemoved),
        ],
        [
          '--against: prewarmed rollout',
          formatRatio(ratio((s) => s.otherPrewarmed)),
          perRun((s) => s.otherPrewarmed),
        ],
      ]
    : []),
]);
const met = ratio((s) => s.verdict) <= 1.3;
console.log(
  `target rollout ratio ≤ 1.3×: ${met ? 'met' : 'NOT met'} (${ROLLOUTS * RUNS} rollouts of each kind)`,
);
