/**
 * Docker per-rollout overhead with a cached image: one container per rollout of the sample environment,
 * timed create → ready (`hello` answers) → graded (`tasks.start` + `tasks.grade`) → removed, p50 / p90,
 * next to `docker run --rm <image> true` measured in the same run (the engine's own floor for a container
 * that does nothing). Target: p50 ≤ 1.0 s per rollout. Rollouts run one at a time.
 *
 *   node bench/docker-rollout.bench.ts [--runs 3] [--rollouts 20]
 */
import { HudClient } from '@hud/protocol';
import { buildSampleImage, dockerRuntime, IMAGE, percentile, run } from './lib/docker-common.ts';
import { formatNumber, formatRatio, printContext, printTable, runCount } from './lib/stats.ts';

const RUNS = runCount();
const flag = process.argv.indexOf('--rollouts');
const ROLLOUTS = flag === -1 ? 20 : Number(process.argv[flag + 1]);
const task = { env: 'sample-env', id: 'count_items', slug: 'aisle-a', args: { aisle: 'a' } };

await printContext(`Docker rollout overhead (${ROLLOUTS} rollouts × ${RUNS} runs, image cached)`);
const sample = await buildSampleImage();
const { DockerRuntime } = await dockerRuntime();
const provider = DockerRuntime(IMAGE);
const phases = {
  ready: [] as number[],
  graded: [] as number[],
  removed: [] as number[],
  total: [] as number[],
};
const baseline: number[] = [];
try {
  // Warm-up: the first container pays for page cache and the engine's first layer mounts.
  await (await provider(task)).close();
  await run('docker', ['run', '--rm', IMAGE, 'true']);
  for (let runIndex = 0; runIndex < RUNS; runIndex++) {
    for (let index = 0; index < ROLLOUTS; index++) {
      // Alternate with the baseline so both see the same machine load.
      const baseBegan = performance.now();
      const ran = await run('docker', ['run', '--rm', IMAGE, 'true']);
      if (ran.code !== 0) throw new Error(`docker run failed: ${ran.stderr}`);
      baseline.push(performance.now() - baseBegan);

      const began = performance.now();
      const lease = await provider(task);
      const ready = performance.now();
      const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
      await client.startTask(task.id, task.args);
      const { score } = await client.grade({ answer: '3' });
      if (score !== 1) throw new Error(`graded ${score}, expected 1`);
      await client.close();
      const graded = performance.now();
      await lease.close();
      const removed = performance.now();
      phases.ready.push(ready - began);
      phases.graded.push(graded - ready);
      phases.removed.push(removed - graded);
      phases.total.push(removed - began);
    }
  }
} finally {
  await provider.close();
  sample.remove();
}

const ms = (values: number[], p: number) => `${formatNumber(percentile(values, p))} ms`;
printTable([
  ['per rollout', 'p50', 'p90'],
  ['create → ready (hello answers)', ms(phases.ready, 50), ms(phases.ready, 90)],
  ['ready → graded (start + grade)', ms(phases.graded, 50), ms(phases.graded, 90)],
  ['graded → removed', ms(phases.removed, 50), ms(phases.removed, 90)],
  ['total: create → removed', ms(phases.total, 50), ms(phases.total, 90)],
  ['baseline: docker run --rm <image> true', ms(baseline, 50), ms(baseline, 90)],
  [
    'ratio total / baseline',
    formatRatio(percentile(phases.total, 50) / percentile(baseline, 50)),
    formatRatio(percentile(phases.total, 90) / percentile(baseline, 90)),
  ],
]);
console.log(
  `target p50 ≤ 1000 ms: ${percentile(phases.total, 50) <= 1000 ? 'met' : 'NOT met'} (${ROLLOUTS * RUNS} rollouts)`,
);
