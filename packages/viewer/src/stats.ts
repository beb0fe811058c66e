// Per-task statistics of a job's matrix, the job page's row filters and the comparison of two jobs.
// A run "passed" when its reward is >= PASS_THRESHOLD; "errored" is a run whose trace status is 'error'
// (infrastructure or exception), which is not a verdict: errored runs count in no mean.
import type { TraceSummary } from './api.js';
import type { MatrixRow } from './model.js';

/** The reward at or above which a run passed (the contract's success threshold). */
export const PASS_THRESHOLD = 1.0;

/** What became of one run. */
export type Outcome = 'passed' | 'failed' | 'errored' | 'pending';

/** The outcome of a run: errored (status 'error'), passed/failed by its reward, else pending. */
export function outcomeOf(trace: TraceSummary): Outcome {
  if (trace.status === 'error') return 'errored';
  if (trace.reward === null || trace.reward === undefined) return 'pending';
  return trace.reward >= PASS_THRESHOLD ? 'passed' : 'failed';
}

/** One task's figures over its runs. */
export interface TaskStats {
  slug: string;
  runs: number;
  passed: number;
  failed: number;
  errored: number;
  /** Mean reward of the runs with a verdict; null when none. */
  mean: number | null;
  /** Population standard deviation of those rewards (0 for one); null when none. */
  std: number | null;
}

/** The {@link TaskStats} of a matrix row. */
export function taskStats(row: MatrixRow): TaskStats {
  const stats: TaskStats = {
    slug: row.slug,
    runs: 0,
    passed: 0,
    failed: 0,
    errored: 0,
    mean: null,
    std: null,
  };
  const rewards: number[] = [];
  for (const trace of row.attempts) {
    if (!trace) continue;
    stats.runs++;
    const outcome = outcomeOf(trace);
    if (outcome === 'passed') stats.passed++;
    else if (outcome === 'failed') stats.failed++;
    else if (outcome === 'errored') stats.errored++;
    if (outcome === 'passed' || outcome === 'failed') rewards.push(trace.reward as number);
  }
  if (rewards.length > 0) {
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const variance = rewards.reduce((sum, r) => sum + (r - mean) ** 2, 0) / rewards.length;
    stats.mean = mean;
    stats.std = Math.sqrt(variance);
  }
  return stats;
}

/** The job page's row filters; '' shows every task. */
export type RowFilter = '' | 'passed' | 'failed' | 'errored' | 'changed';

/** Two means differ (a task added or dropped counts as a change). */
export function meansDiffer(a: number | null | undefined, b: number | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a !== b;
  return Math.abs(a - b) > 1e-9;
}

/**
 * Whether a task shows under `filter`: `passed`/`failed`/`errored` = at least one run with that outcome;
 * `changed` = its mean reward differs from the same task's in `baseline` (by slug; a task the baseline
 * lacks, or has no verdict for, counts as changed). Without a baseline `changed` shows nothing.
 */
export function rowShown(
  stats: TaskStats,
  filter: RowFilter,
  baseline?: ReadonlyMap<string, TaskStats>,
): boolean {
  switch (filter) {
    case '':
      return true;
    case 'passed':
      return stats.passed > 0;
    case 'failed':
      return stats.failed > 0;
    case 'errored':
      return stats.errored > 0;
    case 'changed':
      return baseline !== undefined && meansDiffer(stats.mean, baseline.get(stats.slug)?.mean);
  }
}

/** How a task moved from the other job to this one. */
export type Change = 'improved' | 'regressed' | 'same' | 'only-this' | 'only-other';

/** One task side by side in two jobs. */
export interface CompareRow {
  slug: string;
  /** This job's figures (null when it lacks the task). */
  current: TaskStats | null;
  /** The other job's figures. */
  other: TaskStats | null;
  /** This job's mean − the other's; null unless both have a mean. */
  delta: number | null;
  change: Change;
}

/**
 * The tasks of two jobs side by side (by slug): improved/regressed by the mean reward of each, sorted by
 * change — the largest |delta| first (regressions before improvements at the same size), then tasks with
 * no change, then tasks only one job has; ties by slug.
 */
export function compareJobs(
  current: readonly TaskStats[],
  other: readonly TaskStats[],
): CompareRow[] {
  const others = new Map(other.map((stats) => [stats.slug, stats]));
  const rows: CompareRow[] = [];
  for (const stats of current) {
    const theirs = others.get(stats.slug) ?? null;
    others.delete(stats.slug);
    const delta =
      theirs && stats.mean !== null && theirs.mean !== null ? stats.mean - theirs.mean : null;
    let change: Change = 'same';
    if (!theirs) change = 'only-this';
    else if (delta !== null && delta > 1e-9) change = 'improved';
    else if (delta !== null && delta < -1e-9) change = 'regressed';
    rows.push({ slug: stats.slug, current: stats, other: theirs, delta, change });
  }
  for (const stats of others.values()) {
    rows.push({ slug: stats.slug, current: null, other: stats, delta: null, change: 'only-other' });
  }
  const rank = (row: CompareRow) =>
    row.change === 'only-this' || row.change === 'only-other' ? 2 : row.change === 'same' ? 1 : 0;
  return rows.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      Math.abs(b.delta ?? 0) - Math.abs(a.delta ?? 0) ||
      (a.delta ?? 0) - (b.delta ?? 0) ||
      (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0),
  );
}

/** A job's figures computed from its runs (what the page shows while they stream in). */
export interface JobFigures {
  runs: number;
  passed: number;
  failed: number;
  errored: number;
  pending: number;
  /** Mean reward of the runs with a verdict. */
  mean: number | null;
  /** Passed / runs with a verdict. */
  successRate: number | null;
  /** Tasks with a passed run / tasks with a verdict; null when no task has two runs or no verdict. */
  passAtK: number | null;
}

/** The {@link JobFigures} of a job's task statistics. */
export function jobFigures(tasks: readonly TaskStats[]): JobFigures {
  const figures: JobFigures = {
    runs: 0,
    passed: 0,
    failed: 0,
    errored: 0,
    pending: 0,
    mean: null,
    successRate: null,
    passAtK: null,
  };
  let sum = 0;
  let judgedTasks = 0;
  let solvedTasks = 0;
  let grouped = false;
  for (const task of tasks) {
    figures.runs += task.runs;
    figures.passed += task.passed;
    figures.failed += task.failed;
    figures.errored += task.errored;
    figures.pending += task.runs - task.passed - task.failed - task.errored;
    if (task.mean !== null) sum += task.mean * (task.passed + task.failed);
    if (task.passed + task.failed > 0) judgedTasks++;
    if (task.passed > 0) solvedTasks++;
    if (task.runs > 1) grouped = true;
  }
  const judged = figures.passed + figures.failed;
  if (judged > 0) {
    figures.mean = sum / judged;
    figures.successRate = figures.passed / judged;
  }
  if (grouped && judgedTasks > 0) figures.passAtK = solvedTasks / judgedTasks;
  return figures;
}
