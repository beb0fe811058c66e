/**
 * Harbor per-trial overhead with cached images: each Harbor example task run by the oracle agent through
 * the Harbor runtime, one trial at a time, timed by the rollout's phases — container start (create, start,
 * `/logs`, the trial's control server and shell capability) → task started → oracle's `solve.sh` → verifier
 * verdict → container removed — next to `docker run --rm ubuntu:24.04 true` measured in the same run,
 * alternating (the engine's own floor for a container that does nothing). Tasks: ../shared/harbor-examples
 * when present, else examples/harbor.
 *
 *   node bench/harbor-trial.bench.ts [--runs 3] [--trials 5]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { percentile, REPO_ROOT, run } from './lib/docker-common.ts';
import { formatNumber, formatRatio, printContext, printTable, runCount } from './lib/stats.ts';

const RUNS = runCount();
const flag = process.argv.indexOf('--trials');
const TRIALS = flag === -1 ? 5 : Number(process.argv[flag + 1]);
const shared = path.join(REPO_ROOT, '../shared/harbor-examples');
const SOURCE = existsSync(shared) ? shared : path.join(REPO_ROOT, 'examples/harbor');

const load = <T>(pkg: string) =>
  import(path.join(REPO_ROOT, `packages/${pkg}/dist/index.js`)) as Promise<T>;
const harbor = await load<typeof import('../packages/harbor/src/index.ts')>('harbor');
const { Taskset } = await load<typeof import('../packages/eval/src/index.ts')>('eval');
const { OracleAgent } = await load<typeof import('../packages/agents/src/index.ts')>('agents');

await printContext(
  `Harbor trial overhead (${path.basename(SOURCE)}: oracle, ${TRIALS} trials per task × ${RUNS} runs, images cached)`,
);
const loaded = await harbor.loadHarborSource(SOURCE);
const runtime = harbor.HarborRuntime({ job: () => 'bench-harbor', hostEnv: {} });
const agent = new OracleAgent();
type Phase = 'setup' | 'started' | 'agent' | 'verdict' | 'startToVerdict' | 'removed' | 'total';
const byTask = new Map<string, Record<Phase, number[]>>();
const baseline: number[] = [];
try {
  // Warm-up: builds (or finds) every image, and pays for the first layer mounts.
  // Tasks the oracle cannot solve (no solution/: an errored run by design) are left out, and said so.
  const warm = await new Taskset('warm-up', loaded.rows).run({
    agent,
    provider: runtime,
    maxConcurrent: 2,
  });
  const solvable = new Set(
    warm.runs.filter((record) => record.reward === 1).map((record) => record.slug),
  );
  for (const record of warm.runs) {
    if (!solvable.has(record.slug))
      console.log(`left out ${record.slug}: ${record.error ?? `reward ${record.reward}`}`);
  }
  await run('docker', ['run', '--rm', 'ubuntu:24.04', 'true']);
  for (let runIndex = 0; runIndex < RUNS; runIndex++) {
    for (let trial = 0; trial < TRIALS; trial++) {
      for (const row of loaded.rows.filter((candidate) => solvable.has(candidate.slug))) {
        const began = performance.now();
        const ran = await run('docker', ['run', '--rm', 'ubuntu:24.04', 'true']);
        if (ran.code !== 0) throw new Error(`docker run failed: ${ran.stderr}`);
        baseline.push(performance.now() - began);
        const job = await new Taskset(row.slug, [row]).run({ agent, provider: runtime });
        const record = job.runs[0];
        if (record?.reward !== 1) throw new Error(`${row.slug}: ${record?.error ?? 'no run'}`);
        const t = record.timings;
        const phases = byTask.get(row.slug) ?? {
          setup: [],
          started: [],
          agent: [],
          verdict: [],
          startToVerdict: [],
          removed: [],
          total: [],
        };
        phases.setup.push(t.provisioning);
        phases.started.push(t.starting);
        phases.agent.push(t.agent);
        phases.verdict.push(t.grading);
        phases.startToVerdict.push(t.provisioning + t.starting + t.agent + t.grading);
        phases.removed.push(t.cleanup);
        phases.total.push(t.total);
        byTask.set(row.slug, phases);
      }
    }
  }
} finally {
  await runtime.close();
}

const p50 = (values: number[]) => formatNumber(percentile(values, 50));
const base = percentile(baseline, 50);
printTable([
  [
    'task (p50, ms)',
    'start',
    'task start',
    'oracle',
    'verifier',
    'start → verdict',
    'removal',
    'ratio to baseline',
  ],
  ...[...byTask].map(([slug, phases]) => [
    slug,
    p50(phases.setup),
    p50(phases.started),
    p50(phases.agent),
    p50(phases.verdict),
    p50(phases.startToVerdict),
    p50(phases.removed),
    formatRatio(percentile(phases.startToVerdict, 50) / base),
  ]),
]);
console.log(
  `baseline: docker run --rm ubuntu:24.04 true — p50 ${formatNumber(base)} ms, p90 ${formatNumber(percentile(baseline, 90))} ms (${baseline.length} runs)`,
);
