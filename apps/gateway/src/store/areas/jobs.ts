import { nowIso } from '../../ids.js';
import { jsonText, type Sql, type SqlValue } from '../sql.js';
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
  /** hud-ts extras of the report (absent from hud-python's): the agent, its model, runs asked for. */
  agent?: string | null;
  model?: string | null;
  totalCount?: number | null;
}

/** `GET /v2/jobs` filters (each optional). */
export interface JobFilter {
  /** Case-insensitive substring of the id, name, taskset name, agent or model. */
  q?: string;
  status?: JobRecord['status'];
  /** A taskset id or name. */
  taskset?: string;
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
    filter?: JobFilter;
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

const ACTIVE = `EXISTS (SELECT 1 FROM traces t WHERE t.team_id = j.team_id AND t.job_id = j.id
  AND t.status IN ('running', 'queued'))`;
const ANY_TRACE = 'EXISTS (SELECT 1 FROM traces t WHERE t.team_id = j.team_id AND t.job_id = j.id)';

/** The SQL of each derived job status (see `JobRecord.status`). */
const STATUS_FILTER: Record<JobRecord['status'], string> = {
  running: ACTIVE,
  cancelled: `(j.cancel_requested_at IS NOT NULL AND NOT ${ACTIVE})`,
  pending: `(j.cancel_requested_at IS NULL AND NOT ${ANY_TRACE})`,
  completed: `(j.cancel_requested_at IS NULL AND ${ANY_TRACE} AND NOT ${ACTIVE})`,
};

/** The usage a trace's `exit` reports in `metadata.usage` (hud-ts runs send their `RunUsage`), if any. */
function reportedUsage(
  metadata: unknown,
): { input: number; output: number; cached: number; cost: number | null } | undefined {
  const usage = (metadata as { usage?: unknown } | null | undefined)?.usage;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const record = usage as Record<string, unknown>;
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
  const cost = record.cost_usd;
  return {
    input: count(record.prompt_tokens ?? record.input_tokens),
    output: count(record.completion_tokens ?? record.output_tokens),
    cached: count(record.cached_tokens),
    cost: typeof cost === 'number' && Number.isFinite(cost) ? cost : null,
  };
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
      `INSERT INTO jobs (team_id, id, name, group_size, taskset_id, created_at, updated_at, agent, model,
          total_count)
        VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)
        ON CONFLICT (team_id, id) DO UPDATE SET name = excluded.name, group_size = excluded.group_size,
          taskset_id = COALESCE(excluded.taskset_id, jobs.taskset_id), updated_at = excluded.updated_at,
          agent = COALESCE(excluded.agent, jobs.agent), model = COALESCE(excluded.model, jobs.model),
          total_count = COALESCE(excluded.total_count, jobs.total_count)`,
      [
        input.teamId,
        input.jobId,
        input.name,
        input.group,
        input.tasksetId,
        nowIso(),
        input.agent ?? null,
        input.model ?? null,
        input.totalCount ?? null,
      ],
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
    const usage = reportedUsage(input.metadata);
    await this.#sql.run(
      `INSERT INTO traces (team_id, id, status, reward, error, evaluation_result, stop_reason, metadata,
          created_at, ended_at, updated_at, input_tokens, output_tokens, cached_tokens, cost_usd)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $10, $11, $12, $13)
        ON CONFLICT (team_id, id) DO UPDATE SET status = excluded.status, reward = excluded.reward,
          error = excluded.error, evaluation_result = excluded.evaluation_result,
          stop_reason = excluded.stop_reason, metadata = excluded.metadata, ended_at = excluded.ended_at,
          updated_at = excluded.updated_at, input_tokens = excluded.input_tokens,
          output_tokens = excluded.output_tokens, cached_tokens = excluded.cached_tokens,
          cost_usd = excluded.cost_usd
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
        usage?.input ?? null,
        usage?.output ?? null,
        usage?.cached ?? null,
        usage?.cost ?? null,
      ],
    );
    return this.#requireTrace(input.teamId, input.traceId);
  }

  async listJobs(input: {
    teamId: string;
    limit: number;
    before?: string;
    filter?: JobFilter;
  }): Promise<{ items: JobRecord[]; next: string | null }> {
    const where = ['j.team_id = $1'];
    const params: SqlValue[] = [input.teamId];
    const param = (value: SqlValue) => {
      params.push(value);
      return `$${params.length}`;
    };
    const cursor = input.before?.split('|');
    if (cursor && cursor.length === 2) {
      const at = param(cursor[0] as string);
      where.push(
        `(j.created_at < ${at} OR (j.created_at = ${at} AND j.id < ${param(cursor[1] as string)}))`,
      );
    }
    const { q, status, taskset } = input.filter ?? {};
    if (q) {
      const like = param(`%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(
        `(${['j.id', 'j.name', 'ts.name', 'j.agent', 'j.model']
          .map((column) => `lower(${column}) LIKE ${like} ESCAPE '\\'`)
          .join(' OR ')})`,
      );
    }
    if (taskset) {
      const value = param(taskset);
      where.push(`(j.taskset_id = ${value} OR ts.name = ${value})`);
    }
    if (status) where.push(STATUS_FILTER[status]);
    const rows = await this.#sql.all<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs j LEFT JOIN tasksets ts ON ts.id = j.taskset_id AND ts.team_id = j.team_id
        WHERE ${where.join(' AND ')} ORDER BY j.created_at DESC, j.id DESC LIMIT ${param(input.limit + 1)}`,
      params,
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
