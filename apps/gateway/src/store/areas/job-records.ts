import { parseJson, placeholders, type Sql } from '../sql.js';

/**
 * How a trace ended, as hud-python reports it (`Trace.status`), or `running` until then; `queued` while a
 * hosted rollout waits for a worker (`POST /v2/rollouts/submit`).
 */
export type TraceStatus = 'queued' | 'running' | 'completed' | 'error' | 'cancelled';

/**
 * A job as listed (`GET /v2/jobs`): hud-python's `hud jobs` reads `id`, `name`, `taskset_name`, `status`,
 * `created_at`. `status` is derived: `running` while a trace runs or waits in the rollout queue, `cancelled` once a cancel was asked and
 * nothing runs, `pending` with no trace yet, else `completed`. `reward` is the mean over completed traces
 * that have one (null when none).
 */
export interface JobRecord {
  id: string;
  name: string | null;
  group: number;
  taskset_id: string | null;
  taskset_name: string | null;
  status: 'pending' | 'running' | 'completed' | 'cancelled';
  created_at: string;
  updated_at: string;
  cancel_requested: boolean;
  trace_count: number;
  running_count: number;
  /** Hosted rollouts of the job still waiting for a worker. */
  queued_count: number;
  error_count: number;
  reward: number | null;
  /** The agent's name as the job's `enter` reported it (a hud-ts extra), else null. */
  agent: string | null;
  /** The job's model (its `enter`), else the one model all its traces named, else null. */
  model: string | null;
  /** Runs the job was asked for (tasks × group, a hud-ts extra of the job's `enter`), else null. */
  total_count: number | null;
  /** Distinct task slugs among the traces so far. */
  task_count: number;
  /** Traces with a verdict: `completed` with a reward. */
  completed_count: number;
  /**
   * Traces that passed (reward ≥ 1.0, {@link PASS_THRESHOLD}) over {@link JobRecord.completed_count};
   * null without verdicts.
   */
  success_rate: number | null;
  /**
   * pass@k with k = the job's group: the fraction of tasks with a verdict that have at least one passed
   * trace; null when the group is 1 or no trace has a verdict.
   */
  pass_at_k: number | null;
  /** First trace start → last trace end (→ now while the job runs), ms; null without traces. */
  duration_ms: number | null;
}

/** A run passes when its reward is at least this (the viewer's success threshold). */
export const PASS_THRESHOLD = 1.0;

/**
 * A trace (one rollout): the lifecycle reports folded into one row. hud-python's `hud jobs <id>` reads
 * `id`, `status`, `reward`, `start_time`/`created_at`, `error`; `HostedRuntime` polls `status`, `reward`,
 * `error`.
 */
export interface TraceRecord {
  id: string;
  job_id: string | null;
  group_id: string | null;
  task_slug: string | null;
  model: string | null;
  status: TraceStatus;
  reward: number | null;
  error: string | null;
  evaluation_result: unknown;
  stop_reason: string | null;
  metadata: unknown;
  span_count: number;
  created_at: string;
  start_time: string | null;
  end_time: string | null;
  updated_at: string;
  cancel_requested: boolean;
}

/** The columns of a job row joined with its taskset's name. */
export const JOB_COLUMNS = `j.id, j.name, j.group_size, j.taskset_id, ts.name AS taskset_name, j.created_at,
  j.updated_at, j.cancel_requested_at, j.agent, j.model, j.total_count`;

/** A job row as selected with {@link JOB_COLUMNS}. */
export interface JobRow {
  id: string;
  name: string | null;
  group_size: number;
  taskset_id: string | null;
  taskset_name: string | null;
  created_at: string;
  updated_at: string;
  cancel_requested_at: string | null;
  agent: string | null;
  model: string | null;
  total_count: number | null;
}

/** A trace row as stored. */
export interface TraceRow {
  id: string;
  job_id: string | null;
  group_id: string | null;
  task_slug: string | null;
  model: string | null;
  status: TraceStatus;
  reward: number | null;
  error: string | null;
  evaluation_result: string | null;
  stop_reason: string | null;
  metadata: string | null;
  span_count: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
  cancel_requested_at: string | null;
}

/** Per-job trace tallies. */
export interface TraceCounts {
  trace_count: number;
  running_count: number;
  queued_count: number;
  error_count: number;
  reward: number | null;
  task_count: number;
  completed_count: number;
  passed_count: number;
  /** Tasks with a verdict, and those with at least one passed trace (pass@k). */
  judged_tasks: number;
  passed_tasks: number;
  first_start: string | null;
  last_end: string | null;
  /** The traces' model when they all name the same one. */
  trace_model: string | null;
}

type CountsRow = Omit<TraceCounts, 'judged_tasks' | 'passed_tasks' | 'trace_model'> & {
  job_id: string;
  min_model: string | null;
  max_model: string | null;
};

/**
 * The trace tallies of `jobIds`: two grouped queries over the traces index (per job, and per job and task
 * for pass@k).
 */
export async function traceCounts(
  sql: Sql,
  teamId: string,
  jobIds: readonly string[],
): Promise<Map<string, TraceCounts>> {
  if (jobIds.length === 0) return new Map();
  const inJobs = `team_id = $1 AND job_id IN (${placeholders(jobIds.length, 2)})`;
  const verdict = `status = 'completed' AND reward IS NOT NULL`;
  const rows = await sql.all<CountsRow>(
    `SELECT job_id, CAST(count(*) AS INTEGER) AS trace_count,
        CAST(sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END) AS INTEGER) AS running_count,
        CAST(sum(CASE WHEN status = 'queued' THEN 1 ELSE 0 END) AS INTEGER) AS queued_count,
        CAST(sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS INTEGER) AS error_count,
        avg(CASE WHEN status = 'completed' THEN reward END) AS reward,
        CAST(count(DISTINCT task_slug) AS INTEGER) AS task_count,
        CAST(sum(CASE WHEN ${verdict} THEN 1 ELSE 0 END) AS INTEGER) AS completed_count,
        CAST(sum(CASE WHEN ${verdict} AND reward >= ${PASS_THRESHOLD} THEN 1 ELSE 0 END) AS INTEGER)
          AS passed_count,
        min(COALESCE(started_at, created_at)) AS first_start, max(ended_at) AS last_end,
        min(model) AS min_model, max(model) AS max_model
      FROM traces WHERE ${inJobs} GROUP BY job_id`,
    [teamId, ...jobIds],
  );
  const perTask = await sql.all<{ job_id: string; judged_tasks: number; passed_tasks: number }>(
    `SELECT job_id, CAST(count(*) AS INTEGER) AS judged_tasks,
        CAST(sum(CASE WHEN best >= ${PASS_THRESHOLD} THEN 1 ELSE 0 END) AS INTEGER) AS passed_tasks
      FROM (SELECT job_id, task_slug, max(reward) AS best FROM traces WHERE ${inJobs} AND ${verdict}
        GROUP BY job_id, task_slug) per_task
      GROUP BY job_id`,
    [teamId, ...jobIds],
  );
  const tasks = new Map(perTask.map((row) => [row.job_id, row]));
  return new Map(
    rows.map((row) => {
      const { min_model, max_model, ...rest } = row;
      const judged = tasks.get(row.job_id);
      return [
        row.job_id,
        {
          ...rest,
          judged_tasks: Number(judged?.judged_tasks ?? 0),
          passed_tasks: Number(judged?.passed_tasks ?? 0),
          trace_model: min_model === max_model ? min_model : null,
        },
      ];
    }),
  );
}

const EMPTY_COUNTS: TraceCounts = {
  trace_count: 0,
  running_count: 0,
  queued_count: 0,
  error_count: 0,
  reward: null,
  task_count: 0,
  completed_count: 0,
  passed_count: 0,
  judged_tasks: 0,
  passed_tasks: 0,
  first_start: null,
  last_end: null,
  trace_model: null,
};

function durationMs(tally: TraceCounts, running: boolean, now: number): number | null {
  if (tally.first_start === null) return null;
  const start = Date.parse(tally.first_start);
  const end = running || tally.last_end === null ? now : Date.parse(tally.last_end);
  return Number.isNaN(start) || Number.isNaN(end) ? null : Math.max(0, end - start);
}

/** A job row and its tallies as the API shows them. */
export function toJob(row: JobRow, counts: TraceCounts | undefined, now = Date.now()): JobRecord {
  const tally = counts ?? EMPTY_COUNTS;
  const cancelled = row.cancel_requested_at !== null;
  const status: JobRecord['status'] =
    tally.running_count + tally.queued_count > 0
      ? 'running'
      : cancelled
        ? 'cancelled'
        : tally.trace_count === 0
          ? 'pending'
          : 'completed';
  return {
    id: row.id,
    name: row.name,
    group: row.group_size,
    taskset_id: row.taskset_id,
    taskset_name: row.taskset_name,
    status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    cancel_requested: cancelled,
    trace_count: tally.trace_count,
    running_count: tally.running_count,
    queued_count: tally.queued_count,
    error_count: tally.error_count,
    reward: tally.reward === null ? null : Number(tally.reward),
    agent: row.agent,
    model: row.model ?? tally.trace_model,
    total_count: row.total_count === null ? null : Number(row.total_count),
    task_count: Number(tally.task_count),
    completed_count: Number(tally.completed_count),
    success_rate:
      Number(tally.completed_count) === 0
        ? null
        : Number(tally.passed_count) / Number(tally.completed_count),
    pass_at_k:
      row.group_size <= 1 || tally.judged_tasks === 0
        ? null
        : tally.passed_tasks / tally.judged_tasks,
    duration_ms: durationMs(tally, status === 'running', now),
  };
}

/** A trace row as the API shows it (`start_time`/`end_time`: when it entered and exited). */
export function toTrace(row: TraceRow): TraceRecord {
  return {
    id: row.id,
    job_id: row.job_id,
    group_id: row.group_id,
    task_slug: row.task_slug,
    model: row.model,
    status: row.status,
    reward: row.reward === null ? null : Number(row.reward),
    error: row.error,
    evaluation_result: parseJson(row.evaluation_result),
    stop_reason: row.stop_reason,
    metadata: parseJson(row.metadata),
    span_count: row.span_count,
    created_at: row.created_at,
    start_time: row.started_at,
    end_time: row.ended_at,
    updated_at: row.updated_at,
    cancel_requested: row.cancel_requested_at !== null,
  };
}
