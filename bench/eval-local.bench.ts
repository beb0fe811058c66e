/**
 * `hud eval` figure 1 — 100 letter-count tasks (examples/letter-count's `count` template, 100 different
 * words), the `oracle` agent, the local runtime (a fresh child process per rollout, prewarmed as the CLI
 * sets it: `max(1, min(maxConcurrent, rows, 8))` = 4), max-concurrent 4, the job recorded in a JobStore:
 *
 * - **API**: `taskset.run({provider: LocalRuntime(env.ts, {prewarm: 4}), maxConcurrent: 4, store})` in a
 *   fresh process (lib/eval-api-child.ts): rollouts/s over the `taskset.run` call, and per-run timings —
 *   **lease→graded** = provisioning + starting + agent + grading (from asking the runtime for a child to
 *   the grade; a prewarmed child may have been spawned earlier), **total** = that + cleanup (the child
 *   killed and gone). Also CPU per rollout: this process's, and the children's (their user + system).
 * - **CLI**: `hud eval <dir>/tasks.jsonl oracle --all --max-concurrent 4 --json --store <dir>/jobs`, wall
 *   time from spawn to exit (CLI start-up and taskset loading included), and the runs' timings.
 * - **--group 34**: the issue's done-when command, `hud eval examples/letter-count/tasks.ts oracle --all
 *   --group 34` (3 tasks × 34 = 102 rollouts, the CLI's default max-concurrent 30 and prewarm 8), CLI wall.
 * - **baseline**: 100 bare `node -e ''` processes, 4 at a time — spawns/s and spawn→exit p50: the cost of
 *   a process that does nothing, on the same machine in the same run.
 *
 * The local runtime serves each child from a bundle of the env file cached under `<cwd>/.hud/cache` (the
 * API runner's cwd is this process's, the CLI's the scratch workspace); the warm-up builds both, so the
 * runs measure the cached case. Targets: ≥ 0.5× the bare spawns/s, child CPU ≤ 2× a bare spawn's,
 * lease→graded p50 ≤ 1.5× bare spawn→exit. hud-python 0.6.16 (its run): 2.84 rollouts/s, p50 548 ms.
 * `--against <checkout>` adds API, CLI and --group rows for another built checkout (A/B in the same run).
 *
 *   node bench/eval-local.bench.ts [--runs 3] [--against /path/to/other/checkout]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import {
  againstCheckout,
  bareSpawns,
  type CliRun,
  childrenCpuMs,
  makeWorkspace,
  percentile,
  REPO,
  runApi,
  runCli,
} from './lib/eval-common.ts';
import { letterCountRows } from './lib/eval-tasks.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const ROWS = 100;
const CONCURRENCY = 4;
const AGAINST = againstCheckout();

interface Figures {
  perSecond: number;
  /** p50 lease→graded (API, CLI) or spawn→exit (bare), ms. */
  p50: number;
  /** p50 total incl. cleanup, ms (API, CLI). */
  p50Total?: number;
  /** CPU ms per rollout: this process / the environment children (API), per spawn (bare). */
  cpu?: number;
  childCpu?: number;
}

const workspace = makeWorkspace();
workspace.writeTasks(letterCountRows(ROWS));

type Timings = Record<string, number>;
const graded = (t: Timings) =>
  (t.provisioning ?? 0) + (t.starting ?? 0) + (t.agent ?? 0) + (t.grading ?? 0);

async function bare(): Promise<Figures> {
  const before = childrenCpuMs();
  const { perSecond, latencies } = await bareSpawns(ROWS, CONCURRENCY);
  return {
    perSecond,
    p50: percentile(latencies, 50),
    childCpu: (childrenCpuMs() - before) / ROWS,
  };
}

async function api(root?: string): Promise<Figures> {
  const result = await runApi({
    runtime: 'local',
    rows: ROWS,
    concurrency: CONCURRENCY,
    store: path.join(workspace.dir, 'api-jobs'),
    root,
  });
  if (result.errors > 0) {
    throw new Error(`API run (${root ?? REPO}): ${result.errors} runs without a verdict`);
  }
  return {
    perSecond: result.rolloutsPerSecond,
    p50: percentile(result.graded, 50),
    p50Total: percentile(result.total, 50),
    cpu: result.cpuMs / ROWS,
    childCpu: result.childCpuMs / (result.spawned ?? ROWS),
  };
}

/** The runs of the job a CLI run just recorded (its `--json` summary names the store directory). */
function cliTimings(run: CliRun): Timings[] {
  const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
    store?: string;
    errors?: number;
  };
  if (!summary.store || summary.errors !== 0) {
    throw new Error(`hud eval failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  }
  const lines = readFileSync(path.join(summary.store, 'runs.jsonl'), 'utf8').trim().split('\n');
  return lines.map((line) => (JSON.parse(line) as { timings: Timings }).timings);
}

async function cli(root?: string): Promise<Figures> {
  const run = await runCli(
    [
      'eval',
      workspace.tasks,
      'oracle',
      '--all',
      '--max-concurrent',
      String(CONCURRENCY),
      '--json',
      '--store',
      path.join(workspace.dir, 'cli-jobs'),
    ],
    { cwd: workspace.dir, root },
  );
  const timings = cliTimings(run);
  if (timings.length !== ROWS) throw new Error(`hud eval recorded ${timings.length} runs`);
  return {
    perSecond: ROWS / (run.wallMs / 1000),
    p50: percentile(timings.map(graded), 50),
    p50Total: percentile(
      timings.map((t) => t.total ?? 0),
      50,
    ),
  };
}

/** The done-when command: `hud eval examples/letter-count/tasks.ts oracle --all --group 34`. */
const GROUP_ROWS = 3 * 34;
async function group(root?: string): Promise<Figures> {
  const tasks = path.join(root ?? REPO, 'examples/letter-count/tasks.ts');
  const store = path.join(workspace.dir, 'group-jobs');
  const run = await runCli(
    ['eval', tasks, 'oracle', '--all', '--group', '34', '--json', '--store', store],
    { cwd: workspace.dir, root },
  );
  const timings = cliTimings(run);
  if (timings.length !== GROUP_ROWS) throw new Error(`hud eval recorded ${timings.length} runs`);
  return {
    perSecond: GROUP_ROWS / (run.wallMs / 1000),
    p50: percentile(timings.map(graded), 50),
  };
}

type Kind = 'bare' | 'api' | 'cli' | 'group' | 'apiAgainst' | 'cliAgainst' | 'groupAgainst';
const KINDS: Kind[] = AGAINST
  ? ['bare', 'api', 'apiAgainst', 'cli', 'cliAgainst', 'group', 'groupAgainst']
  : ['bare', 'api', 'cli', 'group'];
const measure: Record<Kind, () => Promise<Figures>> = {
  bare,
  api: () => api(),
  cli: () => cli(),
  group: () => group(),
  apiAgainst: () => api(AGAINST),
  cliAgainst: () => cli(AGAINST),
  groupAgainst: () => group(AGAINST),
};

await stats.printContext(
  `hud eval figure 1: ${ROWS} letter-count tasks, oracle, local runtime (prewarm 4), max-concurrent ${CONCURRENCY}`,
);
try {
  // Warm-up: fills the module compile cache, jiti's cache and the local runtime's bundle caches (the API's
  // under this process's cwd, the CLI's under the workspace), so no run pays for a cold cache.
  await api();
  await cli();
  await group();
  if (AGAINST) {
    await api(AGAINST);
    await cli(AGAINST);
    await group(AGAINST);
  }
  const runs: Record<Kind, Figures>[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Alternate the order between runs so no kind always runs first on a machine whose load drifts.
    const order = run % 2 === 0 ? KINDS : [...KINDS].reverse();
    const figures = {} as Record<Kind, Figures>;
    for (const kind of order) figures[kind] = await measure[kind]();
    runs.push(figures);
    const { bare: b, api: a, cli: c } = figures;
    console.log(
      `run ${run + 1} (load average ${loadavg()[0]?.toFixed(2)}): bare ${stats.formatNumber(b.perSecond, 1)} spawns/s (p50 ${stats.formatNumber(b.p50)} ms); ` +
        `API ${stats.formatNumber(a.perSecond, 1)} rollouts/s (${stats.formatRatio(a.perSecond / b.perSecond)}), lease→graded p50 ${stats.formatNumber(a.p50)} ms, total p50 ${stats.formatNumber(a.p50Total ?? 0)} ms, CPU/rollout ${stats.formatNumber(a.cpu ?? 0, 1)} ms parent + ${stats.formatNumber(a.childCpu ?? 0)} ms child; ` +
        `CLI ${stats.formatNumber(c.perSecond, 1)} rollouts/s (${stats.formatRatio(c.perSecond / b.perSecond)}), p50 ${stats.formatNumber(c.p50)} ms; ` +
        `--group 34 ${stats.formatNumber(figures.group.perSecond, 1)} rollouts/s (${stats.formatRatio(figures.group.perSecond / b.perSecond)})` +
        (AGAINST
          ? `; against: API ${stats.formatNumber(figures.apiAgainst.perSecond, 1)}/s p50 ${stats.formatNumber(figures.apiAgainst.p50)} ms, CPU/rollout ${stats.formatNumber(figures.apiAgainst.cpu ?? 0, 1)} ms parent + ${stats.formatNumber(figures.apiAgainst.childCpu ?? 0)} ms child, CLI ${stats.formatNumber(figures.cliAgainst.perSecond, 1)}/s p50 ${stats.formatNumber(figures.cliAgainst.p50)} ms, --group 34 ${stats.formatNumber(figures.groupAgainst.perSecond, 1)}/s`
          : ''),
    );
  }
  const med = (kind: Kind, pick: (f: Figures) => number | undefined) =>
    stats.median(runs.map((run) => pick(run[kind]) ?? Number.NaN));
  const ratio = (kind: Kind, pick: (f: Figures) => number | undefined) =>
    stats.median(
      runs.map((run) => (pick(run[kind]) ?? Number.NaN) / (pick(run.bare) ?? Number.NaN)),
    );
  const rows: string[][] = [
    [`median of ${RUNS} runs`, 'ours', 'baseline (same run)', 'ratio', 'target', 'hud-python'],
  ];
  const rateRow = (label: string, kind: Kind, target: string, python: string) => [
    label,
    stats.formatNumber(
      med(kind, (f) => f.perSecond),
      1,
    ),
    `${stats.formatNumber(
      med('bare', (f) => f.perSecond),
      1,
    )} bare spawns/s`,
    stats.formatRatio(ratio(kind, (f) => f.perSecond)),
    target,
    python,
  ];
  const p50Row = (label: string, kind: Kind, target: string, python: string) => [
    label,
    stats.formatNumber(med(kind, (f) => f.p50)),
    `${stats.formatNumber(med('bare', (f) => f.p50))} ms bare spawn→exit`,
    stats.formatRatio(ratio(kind, (f) => f.p50)),
    target,
    python,
  ];
  rows.push(rateRow('1. rollouts/s, API', 'api', '≥ 15', '2.84'));
  rows.push(p50Row('1. lease→graded p50 (ms), API', 'api', '≤ 150', '548'));
  rows.push([
    '1. total p50 incl. cleanup (ms), API',
    stats.formatNumber(med('api', (f) => f.p50Total)),
    '',
    '',
    '',
    '',
  ]);
  rows.push([
    '1. CPU/rollout (ms), API: parent + child',
    `${stats.formatNumber(
      med('api', (f) => f.cpu),
      1,
    )} + ${stats.formatNumber(med('api', (f) => f.childCpu))}`,
    `${stats.formatNumber(med('bare', (f) => f.childCpu))} ms per bare spawn`,
    stats.formatRatio(ratio('api', (f) => f.childCpu)),
    '',
    '',
  ]);
  rows.push(rateRow('1. rollouts/s, CLI (wall)', 'cli', '≥ 15', '2.84'));
  rows.push(p50Row('1. lease→graded p50 (ms), CLI', 'cli', '≤ 150', '548'));
  rows.push(rateRow('1. tasks.ts --group 34 (CLI wall)', 'group', '≥ 0.5× bare', ''));
  if (AGAINST) {
    rows.push(rateRow(`   rollouts/s, API, against`, 'apiAgainst', '', ''));
    rows.push(p50Row(`   lease→graded p50, API, against`, 'apiAgainst', '', ''));
    rows.push([
      '   CPU/rollout (ms), API, against',
      `${stats.formatNumber(
        med('apiAgainst', (f) => f.cpu),
        1,
      )} + ${stats.formatNumber(med('apiAgainst', (f) => f.childCpu))}`,
      `${stats.formatNumber(med('bare', (f) => f.childCpu))} ms per bare spawn`,
      stats.formatRatio(ratio('apiAgainst', (f) => f.childCpu)),
      '',
      '',
    ]);
    rows.push(rateRow(`   rollouts/s, CLI, against`, 'cliAgainst', '', ''));
    rows.push(p50Row(`   lease→graded p50, CLI, against`, 'cliAgainst', '', ''));
    rows.push(rateRow(`   tasks.ts --group 34, against`, 'groupAgainst', '', ''));
  }
  stats.printTable(rows);
  if (AGAINST) console.log(`against: ${AGAINST}`);
  console.log(
    `load average at the end: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(', ')}`,
  );
} finally {
  workspace.remove();
}
