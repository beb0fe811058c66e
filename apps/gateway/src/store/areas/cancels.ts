import { nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';

/** The outcome of a cancel of one trace: hud-python prints success for `accepted` only. */
export type TraceCancelOutcome = 'accepted' | 'not_found' | 'finished';

/**
 * Cancel marks (`hud cancel`, spec §9.8). A mark records that a cancel was asked (`cancel_requested_at`
 * on the job and its running traces); a worker holding the lease of a marked hosted rollout is told in
 * its next heartbeat. A hosted rollout still queued is `cancelled` at once. Finished traces are left alone.
 */
export interface CancelStore {
  /** Marks one running trace. */
  cancelTrace(input: { teamId: string; traceId: string }): Promise<TraceCancelOutcome>;
  /** Marks a job and its running traces; `found` is false for an unknown job. */
  cancelJob(input: {
    teamId: string;
    jobId: string;
  }): Promise<{ found: boolean; cancelled: number }>;
  /** Marks every job of the team that has running traces, and those traces. */
  cancelTeamJobs(teamId: string): Promise<{ job_id: string; cancelled: number }[]>;
}

/** Hosted rollouts of a trace (`id`) or job (`job_id`) still queued become `cancelled`; returns how many. */
async function cancelQueuedTraces(
  tx: Sql,
  column: 'id' | 'job_id',
  teamId: string,
  value: string,
  now: string,
): Promise<number> {
  const result = await tx.run(
    `UPDATE traces SET status = 'cancelled', error = 'cancelled before a worker started it',
        cancel_requested_at = COALESCE(cancel_requested_at, $3), ended_at = $3, updated_at = $3
      WHERE team_id = $1 AND ${column} = $2 AND status = 'queued'`,
    [teamId, value, now],
  );
  return result.changes;
}

/**
 * A job's queued hosted rollouts leave the queue as `cancelled`; its running traces are marked (their
 * workers learn it in the next heartbeat). Returns how many traces were cancelled or marked.
 */
async function cancelJobTraces(
  tx: Sql,
  teamId: string,
  jobId: string,
  now: string,
): Promise<number> {
  await tx.run(
    `UPDATE rollout_queue SET status = 'done', updated_at = $3
      WHERE team_id = $1 AND job_id = $2 AND status = 'queued'`,
    [teamId, jobId, now],
  );
  const queued = await cancelQueuedTraces(tx, 'job_id', teamId, jobId, now);
  const running = await tx.run(
    `UPDATE traces SET cancel_requested_at = $3, updated_at = $3
      WHERE team_id = $1 AND job_id = $2 AND status = 'running' AND cancel_requested_at IS NULL`,
    [teamId, jobId, now],
  );
  return queued + running.changes;
}

/** The SQL implementation of {@link CancelStore}. */
export class SqlCancelStore implements CancelStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async cancelTrace(input: { teamId: string; traceId: string }): Promise<TraceCancelOutcome> {
    return this.#sql.tx(async (tx) => {
      const now = nowIso();
      // First out of the queue (PostgreSQL waits here for a claimer holding the row, then sees its lease).
      const dequeued = await tx.run(
        `UPDATE rollout_queue SET status = 'done', updated_at = $3
          WHERE team_id = $1 AND trace_id = $2 AND status = 'queued'`,
        [input.teamId, input.traceId, now],
      );
      const trace = await tx.get<{ status: string }>(
        'SELECT status FROM traces WHERE team_id = $1 AND id = $2',
        [input.teamId, input.traceId],
      );
      if (!trace) return 'not_found';
      if (dequeued.changes > 0 || trace.status === 'queued') {
        await cancelQueuedTraces(tx, 'id', input.teamId, input.traceId, now);
        return 'accepted';
      }
      if (trace.status !== 'running') return 'finished';
      await tx.run(
        `UPDATE traces SET cancel_requested_at = COALESCE(cancel_requested_at, $3), updated_at = $3
          WHERE team_id = $1 AND id = $2`,
        [input.teamId, input.traceId, now],
      );
      return 'accepted';
    });
  }

  async cancelJob(input: {
    teamId: string;
    jobId: string;
  }): Promise<{ found: boolean; cancelled: number }> {
    return this.#sql.tx(async (tx) => {
      const now = nowIso();
      const job = await tx.run(
        `UPDATE jobs SET cancel_requested_at = COALESCE(cancel_requested_at, $3), updated_at = $3
          WHERE team_id = $1 AND id = $2`,
        [input.teamId, input.jobId, now],
      );
      if (job.changes === 0) return { found: false, cancelled: 0 };
      return { found: true, cancelled: await cancelJobTraces(tx, input.teamId, input.jobId, now) };
    });
  }

  async cancelTeamJobs(teamId: string): Promise<{ job_id: string; cancelled: number }[]> {
    return this.#sql.tx(async (tx) => {
      const active = await tx.all<{ job_id: string }>(
        `SELECT DISTINCT job_id FROM traces
          WHERE team_id = $1 AND ((status = 'running' AND cancel_requested_at IS NULL) OR status = 'queued')
            AND job_id IS NOT NULL
          ORDER BY job_id`,
        [teamId],
      );
      const now = nowIso();
      const jobs: { job_id: string; cancelled: number }[] = [];
      for (const { job_id } of active) {
        await tx.run(
          `UPDATE jobs SET cancel_requested_at = COALESCE(cancel_requested_at, $3), updated_at = $3
            WHERE team_id = $1 AND id = $2`,
          [teamId, job_id, now],
        );
        jobs.push({ job_id, cancelled: await cancelJobTraces(tx, teamId, job_id, now) });
      }
      return jobs;
    });
  }
}
