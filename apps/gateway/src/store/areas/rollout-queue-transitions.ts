import { jsonText, type Sql } from '../sql.js';

/** Where a queued rollout is: waiting, held by a worker's lease, or recorded (terminal). */
export type QueueStatus = 'queued' | 'leased' | 'done';

/** The terminal statuses a rollout is recorded with (hud-python's `Trace.status`). */
export type RolloutVerdictStatus = 'completed' | 'error' | 'cancelled';

/**
 * A status change of a hosted rollout's trace, for whoever follows the job (`GET /v2/jobs/{id}/stream`
 * wakes on these; the stream itself reads the database, so changes made by another gateway show too).
 */
export interface TraceChange {
  teamId: string;
  jobId: string;
  traceId: string;
  status: 'queued' | 'running' | RolloutVerdictStatus;
  attempt: number;
  reward: number | null;
  error: string | null;
  /** When it was made (the trace's `updated_at`). */
  at: string;
}

/** A `rollout_queue` row as the transitions read it. */
export interface QueueRow {
  team_id: string;
  trace_id: string;
  job_id: string;
  env_name: string;
  body: string;
  status: QueueStatus;
  attempt: number;
  max_attempts: number;
  lease_id: string | null;
  lease_owner: string | null;
  lease_worker_name: string | null;
  lease_key_id: string | null;
  lease_expires_at: string | null;
}

/** The columns of {@link QueueRow}. */
export const QUEUE_COLUMNS = `team_id, trace_id, job_id, env_name, body, status, attempt, max_attempts,
  lease_id, lease_owner, lease_worker_name, lease_key_id, lease_expires_at`;

/** `FOR UPDATE SKIP LOCKED` on PostgreSQL (rows another claimer holds are passed over); nothing on SQLite. */
export function skipLocked(sql: Sql): string {
  return sql.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
}

/** `FOR UPDATE` on PostgreSQL; nothing on SQLite (one writer at a time already). */
export function forUpdate(sql: Sql): string {
  return sql.dialect === 'postgres' ? 'FOR UPDATE' : '';
}

/** Revokes a lease's key (a second revoke keeps the first time). */
export async function revokeLeaseKey(tx: Sql, keyId: string | null, now: string): Promise<boolean> {
  if (keyId === null) return false;
  const result = await tx.run(
    'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
    [keyId, now],
  );
  return result.changes > 0;
}

/** True when a cancel was asked for the rollout's trace or its job. */
export async function cancelAsked(tx: Sql, row: QueueRow): Promise<boolean> {
  const marks = await tx.get<{ trace_mark: string | null; job_mark: string | null }>(
    `SELECT t.cancel_requested_at AS trace_mark, j.cancel_requested_at AS job_mark
      FROM traces t LEFT JOIN jobs j ON j.team_id = t.team_id AND j.id = t.job_id
      WHERE t.team_id = $1 AND t.id = $2`,
    [row.team_id, row.trace_id],
  );
  return Boolean(marks?.trace_mark || marks?.job_mark);
}

/**
 * What a worker's verdict tells of its run beyond status, reward and error, stored where
 * `POST /v2/trace/{id}/exit` (`evaluation_result`, `stop_reason`) and `/enter` (`model`) store them; a
 * key left out (null or undefined: an older worker) keeps what the trace has.
 */
export interface RunReport {
  /** The grade (the `tasks.grade` frame, as `/exit`'s `evaluation_result`). */
  evaluationResult?: Record<string, unknown> | null;
  stopReason?: string | null;
  /** The agent's model. */
  model?: string | null;
}

/**
 * Records a rollout's verdict: the queue row is `done` (its lease id kept, so a late complete of that
 * lease is told it lost) and the trace gets its terminal status, reward and error, and the `report`'s
 * grade, stop reason and model when given.
 */
export async function finishRollout(
  tx: Sql,
  row: QueueRow,
  verdict: { status: RolloutVerdictStatus; reward: number | null; error: string | null },
  now: string,
  report: RunReport = {},
): Promise<TraceChange> {
  await tx.run(
    `UPDATE rollout_queue SET status = 'done', lease_expires_at = NULL, updated_at = $3
      WHERE team_id = $1 AND trace_id = $2`,
    [row.team_id, row.trace_id, now],
  );
  await tx.run(
    `UPDATE traces SET status = $3, reward = $4, error = $5, ended_at = $6, updated_at = $6,
        evaluation_result = COALESCE($7, evaluation_result), stop_reason = COALESCE($8, stop_reason),
        model = COALESCE($9, model)
      WHERE team_id = $1 AND id = $2`,
    [
      row.team_id,
      row.trace_id,
      verdict.status,
      verdict.reward,
      verdict.error,
      now,
      jsonText(report.evaluationResult),
      report.stopReason ?? null,
      report.model ?? null,
    ],
  );
  return {
    teamId: row.team_id,
    jobId: row.job_id,
    traceId: row.trace_id,
    status: verdict.status,
    attempt: row.attempt,
    reward: verdict.reward,
    error: verdict.error,
    at: now,
  };
}

/**
 * An infrastructure retry (a worker gave the lease back with `retry`, or its lease expired): the rollout
 * is queued again with `attempt + 1` (never with a reward), or recorded as `error` naming `reason` once
 * `max_attempts` attempts were made, or `cancelled` when a cancel was asked meanwhile. The caller has
 * revoked the lease's key.
 */
export async function retryRollout(
  tx: Sql,
  row: QueueRow,
  reason: string,
  now: string,
): Promise<TraceChange> {
  if (await cancelAsked(tx, row)) {
    return finishRollout(tx, row, { status: 'cancelled', reward: null, error: 'cancelled' }, now);
  }
  if (row.attempt >= row.max_attempts) {
    const error = `gave up after ${row.attempt} attempt${row.attempt === 1 ? '' : 's'} (max_attempts ${row.max_attempts}): ${reason}`;
    return finishRollout(tx, row, { status: 'error', reward: null, error }, now);
  }
  await tx.run(
    `UPDATE rollout_queue SET status = 'queued', attempt = attempt + 1, lease_id = NULL, lease_owner = NULL,
        lease_worker_name = NULL, lease_key_id = NULL, lease_expires_at = NULL, last_error = $3, updated_at = $4
      WHERE team_id = $1 AND trace_id = $2`,
    [row.team_id, row.trace_id, reason, now],
  );
  await tx.run(
    `UPDATE traces SET status = 'queued', reward = NULL, error = NULL, evaluation_result = NULL,
        stop_reason = NULL, ended_at = NULL, updated_at = $3
      WHERE team_id = $1 AND id = $2`,
    [row.team_id, row.trace_id, now],
  );
  return {
    teamId: row.team_id,
    jobId: row.job_id,
    traceId: row.trace_id,
    status: 'queued',
    attempt: row.attempt + 1,
    reward: null,
    error: null,
    at: now,
  };
}

/** Why a lease expired, as recorded in the retry. */
export function expiryReason(row: QueueRow): string {
  const worker = row.lease_worker_name ?? row.lease_owner ?? 'unknown';
  return `lease ${row.lease_id} expired: worker ${worker} stopped heartbeating`;
}

/**
 * Re-queues (or records, see {@link retryRollout}) every lease that expired before `now`, revoking their
 * keys; at most `limit` per call. PostgreSQL passes over rows another transaction holds.
 */
export async function expireLeases(
  tx: Sql,
  now: string,
  limit = 500,
): Promise<{ changes: TraceChange[]; revoked: number }> {
  const rows = await tx.all<QueueRow>(
    `SELECT ${QUEUE_COLUMNS} FROM rollout_queue WHERE status = 'leased' AND lease_expires_at < $1
      ORDER BY lease_expires_at LIMIT $2 ${skipLocked(tx)}`,
    [now, limit],
  );
  const changes: TraceChange[] = [];
  let revoked = 0;
  for (const row of rows) {
    if (await revokeLeaseKey(tx, row.lease_key_id, now)) revoked++;
    changes.push(await retryRollout(tx, row, expiryReason(row), now));
  }
  return { changes, revoked };
}
