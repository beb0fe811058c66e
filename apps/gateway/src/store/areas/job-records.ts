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
}

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
  j.updated_at, j.cancel_requested_at`;

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
}

/** The trace tallies of `jobIds` (one grouped query over the traces index). */
export async function traceCounts(
  sql: Sql,
  teamId: string,
  jobIds: readonly string[],
): Promise<Map<string, TraceCounts>> {
  if (jobIds.length === 0) return new Map();
  const rows = await sql.all<TraceCounts & { job_id: string }>(
    `SELECT job_id, CAST(count(*) AS INTEGER) AS trace_count,
        CAST(sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END) AS INTEGER) AS running_count,
        CAST(sum(CASE WHEN status = 'queued' THEN 1 ELSE 0 END) AS INTEGER) AS queued_count,
        CAST(sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS INTEGER) AS error_count,
        avg(CASE WHEN status = 'completed' THEN reward END) AS reward
      FROM traces WHERE team_id = $1 AND job_id IN (${placeholders(jobIds.length, 2)})
      GROUP BY job_id`,
    [teamId, ...jobIds],
  );
  return new Map(rows.map((row) => [row.job_id, row]));
}

/** A job row and its tallies as the API shows them. */
export function toJob(row: JobRow, counts: TraceCounts | undefined): JobRecord {
  const tally = counts ?? {
    trace_count: 0,
    running_count: 0,
    queued_count: 0,
    error_count: 0,
    reward: null,
  };
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
