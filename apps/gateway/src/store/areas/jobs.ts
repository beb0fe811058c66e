import { nowIso } from '../../ids.js';
import { jsonText, type Sql } from '../sql.js';
import {
  JOB_COLUMNS,
  type JobRecord,
  type JobRow,
  type TraceRecord,
  type TraceRow,
  type TraceStatus,
  toJob,
  toTrace,
  traceCounts,
} from './job-records.js';

export type { JobRecord, TraceRecord, TraceStatus } from './job-records.js';

/** What `POST /v2/trace/job/{id}/enter` records (spec §8.4), with the caller's team. */
export interface JobEnter {
  teamId: string;
  jobId: string;
  name: string;
  group: number;
  tasksetId: string | null;
}

/** What `POST /v2/trace/{id}/enter` records (spec §8.4), with the caller's team. */
export interface TraceEnter {
  teamId: string;
  traceId: string;
  jobId: string;
  groupId: string | null;
  taskSlug: string | null;
  model: string | null;
}

/** What `POST /v2/trace/{id}/exit` records (spec §8.4), with the caller's team. */
export interface TraceExit {
  teamId: string;
  traceId: string;
  status: Exclude<TraceStatus, 'running' | 'queued'>;
  reward: number | null;
  error: string | null;
  evaluationResult: unknown;
  stopReason: string | null;
  metadata: unknown;
}

/** Jobs and traces from the lifecycle reports (spec §8.4). */
export interface JobStore {
  /** `POST /v2/trace/job/{id}/enter`: creates the job or updates its name, group and taskset. */
  enterJob(input: JobEnter): Promise<JobRecord>;
  /**
   * `POST /v2/trace/{id}/enter`: the trace starts (`running`) in `jobId` (created when unknown). A trace
   * that already ended keeps its status.
   */
  enterTrace(input: TraceEnter): Promise<TraceRecord>;
  /**
   * `POST /v2/trace/{id}/exit`: the trace's outcome (created when no `enter` came first). A hosted
   * rollout's trace takes it only while leased: queued again or recorded, its verdict is the queue's.
   */
  exitTrace(input: TraceExit): Promise<TraceRecord>;
  /** Jobs newest first, `limit` at a time; `before` is the `next` of the previous page. */
  listJobs(input: {
    teamId: string;
    limit: number;
    before?: string;
  }): Promise<{ items: JobRecord[]; next: string | null }>;
  /** One job. */
  getJob(teamId: string, jobId: string): Promise<JobRecord | undefined>;
  /** A job's traces, oldest first. */
  listJobTraces(input: {
    teamId: string;
    jobId: string;
    limit: number;
    offset: number;
  }): Promise<TraceRecord[]>;
  /** One trace. */
  getTrace(teamId: string, traceId: string): Promise<TraceRecord | undefined>;
}

const TRACE_COLUMNS = `id, job_id, group_id, task_slug, model, status, reward, error, evaluation_result,
  stop_reason, metadata, span_count, created_at, started_at, ended_at, updated_at, cancel_requested_at`;

/** The SQL implementation of {@link JobStore}. */
export class SqlJobStore implements JobStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async enterJob(input: JobEnter): Promise<JobRecord> {
    await this.#sql.run(
      `INSERT INTO jobs (team_id, id, name, group_size, taskset_id, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6)
        ON CONFLICT (team_id, id) DO UPDATE SET name = excluded.name, group_size = excluded.group_size,
          taskset_id = COALESCE(excluded.taskset_id, jobs.taskset_id), updated_at = excluded.updated_at`,
      [input.teamId, input.jobId, input.name, input.group, input.tasksetId, nowIso()],
    );
    return this.#requireJob(input.teamId, input.jobId);
  }

  async enterTrace(input: TraceEnter): Promise<TraceRecord> {
    const now = nowIso();
    await this.#sql.tx(async (tx) => {
      await tx.run(
        `INSERT INTO jobs (team_id, id, group_size, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)
          ON CONFLICT (team_id, id) DO NOTHING`,
        [input.teamId, input.jobId, now],
      );
      await tx.run(
        `INSERT INTO traces (team_id, id, job_id, group_id, task_slug, model, status, created_at, started_at,
            updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $7, $7)
          ON CONFLICT (team_id, id) DO UPDATE SET job_id = excluded.job_id, group_id = excluded.group_id,
            task_slug = excluded.task_slug, model = excluded.model,
            started_at = COALESCE(traces.started_at, excluded.started_at), updated_at = excluded.updated_at`,
        [input.teamId, input.traceId, input.jobId, input.groupId, input.taskSlug, input.model, now],
      );
    });
    return this.#requireTrace(input.teamId, input.traceId);
  }

  async exitTrace(input: TraceExit): Promise<TraceRecord> {
    await this.#sql.run(
      `INSERT INTO traces (team_id, id, status, reward, error, evaluation_result, stop_reason, metadata,
          created_at, ended_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)
        ON CONFLICT (team_id, id) DO UPDATE SET status = excluded.status, reward = excluded.reward,
          error = excluded.error, evaluation_result = excluded.evaluation_result,
          stop_reason = excluded.stop_reason, metadata = excluded.metadata, ended_at = excluded.ended_at,
          updated_at = excluded.updated_at
        WHERE NOT EXISTS (SELECT 1 FROM rollout_queue q WHERE q.team_id = traces.team_id
          AND q.trace_id = traces.id AND q.status <> 'leased')`,
      [
        input.teamId,
        input.traceId,
        input.status,
        input.reward,
        input.error,
        jsonText(input.evaluationResult),
        input.stopReason,
        jsonText(input.metadata),
        nowIso(),
      ],
    );
    return this.#requireTrace(input.teamId, input.traceId);
  }

  async listJobs(input: {
    teamId: string;
    limit: number;
    before?: string;
  }): Promise<{ items: JobRecord[]; next: string | null }> {
    const cursor = input.before?.split('|');
    const rows =
      cursor && cursor.length === 2
        ? await this.#sql.all<JobRow>(
            `SELECT ${JOB_COLUMNS} FROM jobs j LEFT JOIN tasksets ts ON ts.id = j.taskset_id AND ts.team_id = j.team_id
              WHERE j.team_id = $1 AND (j.created_at < $2 OR (j.created_at = $2 AND j.id < $3))
              ORDER BY j.created_at DESC, j.id DESC LIMIT $4`,
            [input.teamId, cursor[0] as string, cursor[1] as string, input.limit + 1],
          )
        : await this.#sql.all<JobRow>(
            `SELECT ${JOB_COLUMNS} FROM jobs j LEFT JOIN tasksets ts ON ts.id = j.taskset_id AND ts.team_id = j.team_id
              WHERE j.team_id = $1 ORDER BY j.created_at DESC, j.id DESC LIMIT $2`,
            [input.teamId, input.limit + 1],
          );
    const page = rows.slice(0, input.limit);
    const counts = await traceCounts(
      this.#sql,
      input.teamId,
      page.map((row) => row.id),
    );
    const last = page.at(-1);
    return {
      items: page.map((row) => toJob(row, counts.get(row.id))),
      next: rows.length > input.limit && last ? `${last.created_at}|${last.id}` : null,
    };
  }

  async getJob(teamId: string, jobId: string): Promise<JobRecord | undefined> {
    const row = await this.#sql.get<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs j LEFT JOIN tasksets ts ON ts.id = j.taskset_id AND ts.team_id = j.team_id
        WHERE j.team_id = $1 AND j.id = $2`,
      [teamId, jobId],
    );
    if (!row) return undefined;
    return toJob(row, (await traceCounts(this.#sql, teamId, [jobId])).get(jobId));
  }

  async listJobTraces(input: {
    teamId: string;
    jobId: string;
    limit: number;
    offset: number;
  }): Promise<TraceRecord[]> {
    const rows = await this.#sql.all<TraceRow>(
      `SELECT ${TRACE_COLUMNS} FROM traces WHERE team_id = $1 AND job_id = $2
        ORDER BY created_at, id LIMIT $3 OFFSET $4`,
      [input.teamId, input.jobId, input.limit, input.offset],
    );
    return rows.map(toTrace);
  }

  async getTrace(teamId: string, traceId: string): Promise<TraceRecord | undefined> {
    const row = await this.#sql.get<TraceRow>(
      `SELECT ${TRACE_COLUMNS} FROM traces WHERE team_id = $1 AND id = $2`,
      [teamId, traceId],
    );
    return row ? toTrace(row) : undefined;
  }

  async #requireJob(teamId: string, jobId: string): Promise<JobRecord> {
    const job = await this.getJob(teamId, jobId);
    if (!job) throw new Error(`job ${jobId} vanished after write`);
    return job;
  }

  async #requireTrace(teamId: string, traceId: string): Promise<TraceRecord> {
    const trace = await this.getTrace(teamId, traceId);
    if (!trace) throw new Error(`trace ${traceId} vanished after write`);
    return trace;
  }
}
