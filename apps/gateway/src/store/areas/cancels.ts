import { nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';

/** The outcome of a cancel of one trace: hud-python prints success for `accepted` only. */
export type TraceCancelOutcome = 'accepted' | 'not_found' | 'finished';

/**
 * Cancel marks (`hud cancel`, spec §9.8). A mark records that a cancel was asked (`cancel_requested_at`
 * on the job and its running traces); the workers of part 2 act on it. Finished traces are left alone.
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

/** The SQL implementation of {@link CancelStore}. */
export class SqlCancelStore implements CancelStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async cancelTrace(input: { teamId: string; traceId: string }): Promise<TraceCancelOutcome> {
    return this.#sql.tx(async (tx) => {
      const trace = await tx.get<{ status: string }>(
        'SELECT status FROM traces WHERE team_id = $1 AND id = $2',
        [input.teamId, input.traceId],
      );
      if (!trace) return 'not_found';
      if (trace.status !== 'running') return 'finished';
      await tx.run(
        `UPDATE traces SET cancel_requested_at = COALESCE(cancel_requested_at, $3), updated_at = $3
          WHERE team_id = $1 AND id = $2`,
        [input.teamId, input.traceId, nowIso()],
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
      const traces = await tx.run(
        `UPDATE traces SET cancel_requested_at = $3, updated_at = $3
          WHERE team_id = $1 AND job_id = $2 AND status = 'running' AND cancel_requested_at IS NULL`,
        [input.teamId, input.jobId, now],
      );
      return { found: true, cancelled: traces.changes };
    });
  }

  async cancelTeamJobs(teamId: string): Promise<{ job_id: string; cancelled: number }[]> {
    return this.#sql.tx(async (tx) => {
      const active = await tx.all<{ job_id: string; cancelled: number }>(
        `SELECT job_id, CAST(count(*) AS INTEGER) AS cancelled FROM traces
          WHERE team_id = $1 AND status = 'running' AND cancel_requested_at IS NULL AND job_id IS NOT NULL
          GROUP BY job_id ORDER BY job_id`,
        [teamId],
      );
      const now = nowIso();
      for (const { job_id } of active) {
        await tx.run(
          `UPDATE jobs SET cancel_requested_at = COALESCE(cancel_requested_at, $3), updated_at = $3
            WHERE team_id = $1 AND id = $2`,
          [teamId, job_id, now],
        );
        await tx.run(
          `UPDATE traces SET cancel_requested_at = $3, updated_at = $3
            WHERE team_id = $1 AND job_id = $2 AND status = 'running' AND cancel_requested_at IS NULL`,
          [teamId, job_id, now],
        );
      }
      return active;
    });
  }
}
