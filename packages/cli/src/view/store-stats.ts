import { hasVerdict, type RunRecord } from '@hud/eval';

// The viewer's job figures computed over a local store's runs, as the gateway computes them in SQL
// (apps/gateway/src/store/areas/job-records.ts): the same definitions, so both servers agree.

/** A run passes when its reward is at least this (the viewer's success threshold). */
export const PASS_THRESHOLD = 1.0;

/** The viewer's figures of a job (contract 1 of the viewer's data contract). */
export interface JobStats {
  /** Distinct task slugs among the runs so far. */
  task_count: number;
  /** Runs with a verdict. */
  completed_count: number;
  /** Passed runs (reward ≥ {@link PASS_THRESHOLD}) over runs with a verdict; null without verdicts. */
  success_rate: number | null;
  /** Fraction of tasks with a verdict that have a passed run; null when `group` is 1 or no verdicts. */
  pass_at_k: number | null;
  /** First run start → last run end (→ `now` while running), ms; null without runs. */
  duration_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  /** USD; null when no run reported a cost. */
  cost_usd: number | null;
}

/**
 * The {@link JobStats} of a job of group `group` from its `runs` (one per slot), `running` when it still
 * runs (its duration runs to `now`, ms since the epoch) and `startedAt` its creation time.
 */
export function jobStats(
  group: number,
  runs: readonly RunRecord[],
  running: { active: boolean; startedAt: string; now: number },
): JobStats {
  const verdicts = runs.filter(hasVerdict);
  const passed = verdicts.filter((run) => (run.reward ?? 0) >= PASS_THRESHOLD);
  const bestByTask = new Map<string, number>();
  for (const run of verdicts) {
    bestByTask.set(run.slug, Math.max(bestByTask.get(run.slug) ?? -Infinity, run.reward ?? 0));
  }
  const passedTasks = [...bestByTask.values()].filter((best) => best >= PASS_THRESHOLD).length;
  const starts = runs.map((run) => Date.parse(run.started_at)).filter(Number.isFinite);
  const ends = runs.map((run) => Date.parse(run.ended_at)).filter(Number.isFinite);
  const first = starts.length > 0 ? Math.min(...starts) : Date.parse(running.startedAt);
  const last = running.active ? running.now : ends.length > 0 ? Math.max(...ends) : Number.NaN;
  const costs = runs.flatMap((run) => (run.usage?.cost_usd == null ? [] : [run.usage.cost_usd]));
  const sum = (of: (run: RunRecord) => number | undefined) =>
    runs.reduce((total, run) => total + (of(run) ?? 0), 0);
  return {
    task_count: new Set(runs.map((run) => run.slug)).size,
    completed_count: verdicts.length,
    success_rate: verdicts.length === 0 ? null : passed.length / verdicts.length,
    pass_at_k: group <= 1 || bestByTask.size === 0 ? null : passedTasks / bestByTask.size,
    duration_ms:
      (runs.length === 0 && !running.active) || !Number.isFinite(first) || !Number.isFinite(last)
        ? null
        : Math.max(0, last - first),
    input_tokens: sum((run) => run.usage?.prompt_tokens),
    output_tokens: sum((run) => run.usage?.completion_tokens),
    cached_tokens: sum((run) => run.usage?.cached_tokens),
    cost_usd: costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0),
  };
}

/** `GET /v2/jobs` filters (each optional), as the gateway takes them. */
export interface JobFilter {
  /** Case-insensitive substring of the id, name, taskset name, agent or model. */
  q?: string | undefined;
  status?: 'pending' | 'running' | 'completed' | 'cancelled' | undefined;
  /** A taskset id or name. */
  taskset?: string | undefined;
}

/** Whether a listed job passes `filter`. */
export function matchesFilter(
  job: {
    id: string;
    name: string | null;
    taskset_id: string | null;
    taskset_name: string | null;
    agent: string | null;
    model: string | null;
    status: string;
  },
  filter: JobFilter,
): boolean {
  if (filter.status && job.status !== filter.status) return false;
  if (filter.taskset && job.taskset_id !== filter.taskset && job.taskset_name !== filter.taskset) {
    return false;
  }
  if (filter.q) {
    const needle = filter.q.toLowerCase();
    const fields = [job.id, job.name, job.taskset_name, job.agent, job.model];
    if (!fields.some((field) => field?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** One (agent, model) row of a taskset's leaderboard. */
export interface LeaderboardRow {
  agent: string | null;
  model: string | null;
  job_count: number;
  run_count: number;
  /** Mean reward over the runs with a verdict; null without verdicts. */
  mean_reward: number | null;
  success_rate: number | null;
  /** Mean of the jobs' pass@k (jobs with a group above 1); null when none. */
  pass_at_k: number | null;
  cost_usd: number | null;
  input_tokens: number;
  output_tokens: number;
  latest_job_id: string;
  latest_at: string;
}

/** What the leaderboard needs of one job. */
export interface LeaderboardJob {
  id: string;
  created_at: string;
  agent: string | null;
  model: string | null;
  group: number;
  runs: readonly RunRecord[];
}

/**
 * The leaderboard rows of `jobs` (all of one taskset): one per (agent, model), sorted by mean reward
 * (highest first, rows without verdicts last), ties by latest job first.
 */
export function leaderboardRows(jobs: readonly LeaderboardJob[]): LeaderboardRow[] {
  const groups = new Map<string, LeaderboardJob[]>();
  for (const job of jobs) {
    const key = JSON.stringify([job.agent, job.model]);
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const rows = [...groups.values()].map((members): LeaderboardRow => {
    const latest = members.reduce((a, b) => (b.created_at > a.created_at ? b : a));
    const runs = members.flatMap((job) => job.runs);
    const verdicts = runs.filter(hasVerdict);
    const stats = jobStats(1, runs, { active: false, startedAt: latest.created_at, now: 0 });
    const passAtK = members
      .map((job) => jobStats(job.group, job.runs, { active: false, startedAt: '', now: 0 }))
      .flatMap((figures) => (figures.pass_at_k === null ? [] : [figures.pass_at_k]));
    return {
      agent: latest.agent,
      model: latest.model,
      job_count: members.length,
      run_count: runs.length,
      mean_reward:
        verdicts.length === 0
          ? null
          : verdicts.reduce((total, run) => total + (run.reward ?? 0), 0) / verdicts.length,
      success_rate: stats.success_rate,
      pass_at_k: passAtK.length === 0 ? null : passAtK.reduce((a, b) => a + b, 0) / passAtK.length,
      cost_usd: stats.cost_usd,
      input_tokens: stats.input_tokens,
      output_tokens: stats.output_tokens,
      latest_job_id: latest.id,
      latest_at: latest.created_at,
    };
  });
  return rows.sort(
    (a, b) =>
      (b.mean_reward ?? -Infinity) - (a.mean_reward ?? -Infinity) ||
      b.latest_at.localeCompare(a.latest_at),
  );
}
