/**
 * Docker throughput: `hud eval` of the sample environment, 40 rollouts (5 tasks × group 8) at
 * `--max-concurrent 8`, one container each, wall time → rollouts/s; next to the same job on the local
 * runtime (one child process per rollout) in the same run.
 *
 * The ratio is the median over the runs of docker / local of the same run (the two jobs run back to back).
 * `--against <bin.js>` adds the docker job with another CLI build in each run (A/B in one run; the image is
 * built once, by the CLI under test).
 *
 *   node bench/docker-throughput.bench.ts [--runs 3] [--hud <another build's bin.js>] [--against <bin.js>]
 */
import path from 'node:path';
import { buildSampleImage, hud, run } from './lib/docker-common.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const ROLLOUTS = 40;

await stats.printContext(
  `Docker throughput (${ROLLOUTS} rollouts at --max-concurrent 8 × ${RUNS} runs)`,
);
const sample = await buildSampleImage();
const tasks = path.join(sample.dir, 'tasks.ts');
const againstFlag = process.argv.indexOf('--against');
const AGAINST = againstFlag === -1 ? undefined : path.resolve(process.argv[againstFlag + 1] ?? '');
const rates = { docker: [] as number[], local: [] as number[], against: [] as number[] };
const jobs = AGAINST ? (['docker', 'against', 'local'] as const) : (['docker', 'local'] as const);
try {
  for (let runIndex = 0; runIndex < RUNS; runIndex++) {
    for (const job of jobs) {
      const runtime = job === 'against' ? 'docker' : job;
      const cli = (args: string[]) =>
        AGAINST && job === 'against' ? run(process.execPath, [AGAINST, ...args]) : hud(args);
      const store = path.join(sample.dir, `store-${job}-${runIndex}`);
      const began = performance.now();
      const ran = await cli([
        'eval',
        tasks,
        'oracle',
        '--all',
        '--group',
        '8',
        '--max-concurrent',
        '8',
        '--runtime',
        runtime,
        '--json',
        '--store',
        store,
      ]);
      const seconds = (performance.now() - began) / 1000;
      const summary = JSON.parse(ran.stdout.trim().split('\n').at(-1) ?? '{}');
      if (ran.code !== 0 || summary.verdicts !== ROLLOUTS) {
        throw new Error(
          `hud eval --runtime ${runtime} failed (${ran.code}):\n${ran.stderr.slice(-2000)}`,
        );
      }
      rates[job].push(ROLLOUTS / seconds);
    }
  }
} finally {
  sample.remove();
}

const ratios = rates.docker.map((docker, index) => docker / (rates.local[index] as number));
const againstRatios = rates.against.map((rate, index) => rate / (rates.local[index] as number));
const rate = (values: number[]) => `${stats.formatNumber(stats.median(values), 2)} rollouts/s`;
stats.printTable([
  ['runtime', `median of ${RUNS}`, 'per run'],
  ['docker', rate(rates.docker), rates.docker.map((value) => value.toFixed(2)).join(', ')],
  ['local (same run)', rate(rates.local), rates.local.map((value) => value.toFixed(2)).join(', ')],
  [
    'ratio docker / local',
    stats.formatRatio(stats.median(ratios)),
    ratios.map((value) => value.toFixed(2)).join(', '),
  ],
  ...(AGAINST
    ? [
        [
          'docker, --against build',
          rate(rates.against),
          rates.against.map((value) => value.toFixed(2)).join(', '),
        ],
        [
          'ratio --against / local',
          stats.formatRatio(stats.median(againstRatios)),
          againstRatios.map((value) => value.toFixed(2)).join(', '),
        ],
      ]
    : []),
]);
console.log(`target ratio ≥ 0.6×: ${stats.median(ratios) >= 0.6 ? 'met' : 'NOT met'}`);
