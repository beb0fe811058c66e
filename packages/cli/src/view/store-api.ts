import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  HudEvalError,
  hasVerdict,
  type JobMeta,
  JobStore,
  jobState,
  type RunRecord,
  slotOutcomes,
  stepSpan,
  type TraceSideKind,
} from '@hud/eval';
import type { QaResult } from '@hud/protocol';
import { readLocalResults } from '../qa/local-results.js';
import {
  type JobFilter,
  type JobStats,
  jobStats,
  type LeaderboardRow,
  leaderboardRows,
  matchesFilter,
} from './store-stats.js';

// The gateway's job and trace read routes (apps/gateway/src/routes/jobs.ts) answered from a local job store
// (`.hud/jobs`), so the viewer talks to one API shape. Records carry the gateway's fields plus a few the
// local store knows (`agent`, `model`, `total_count` on jobs; `group_index` on traces).

/** A job as `GET /v2/jobs` answers it (the gateway's `JobRecord` + usage + {@link JobStats}). */
export interface LocalJobRecord extends JobStats {
  id: string;
  name: string;
  group: number;
  taskset_id: string | null;
  taskset_name: string;
  status: 'pending' | 'running' | 'completed' | 'cancelled';
  created_at: string;
  updated_at: string;
  cancel_requested: boolean;
  trace_count: number;
  running_count: number;
  queued_count: number;
  error_count: number;
  reward: number | null;
  unpriced_requests: number;
  agent: string;
  model: string | null;
  total_count: number;
}

/** A trace as `GET /v2/trace/{id}` answers it (the gateway's `TraceRecord` + usage), with `group_index`. */
export interface LocalTraceRecord {
  id: string;
  job_id: string;
  group_id: string | null;
  group_index: number;
  task_slug: string | null;
  model: string | null;
  /** `running` for a trace in progress (its file exists, its record does not yet). */
  status: RunRecord['status'] | 'running';
  reward: number | null;
  error: string | null;
  evaluation_result: unknown;
  stop_reason: string | null;
  metadata: null;
  span_count: number | null;
  created_at: string;
  start_time: string;
  end_time: string | null;
  updated_at: string;
  cancel_requested: boolean;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number | null;
  unpriced_requests: number;
}

/**
 * Job `meta` with its runs (one per slot) as the gateway lists a job; `runningCount` runs are in progress
 * (their trace files exist, their records do not yet).
 */
export function jobRecord(
  meta: JobMeta,
  runs: readonly RunRecord[],
  runningCount = 0,
  now = Date.now(),
): LocalJobRecord {
  const state = jobState(meta);
  const verdicts = runs.filter(hasVerdict);
  return {
    id: meta.id,
    name: meta.name,
    group: meta.group,
    taskset_id: meta.taskset.taskset_id,
    taskset_name: meta.taskset.name,
    // An interrupted job (its process is gone) is not running any more: it lists as completed so far.
    status: state === 'interrupted' ? 'completed' : state,
    created_at: meta.created_at,
    updated_at: meta.updated_at,
    cancel_requested: meta.status === 'cancelled',
    trace_count: runs.length + runningCount,
    running_count: runningCount,
    queued_count: 0,
    error_count: runs.filter((run) => run.status === 'error').length,
    reward:
      verdicts.length === 0
        ? null
        : verdicts.reduce((sum, run) => sum + (run.reward ?? 0), 0) / verdicts.length,
    ...jobStats(meta.group, runs, {
      active: state === 'running',
      startedAt: meta.created_at,
      now,
    }),
    unpriced_requests: 0,
    agent: meta.agent.name,
    model: meta.agent.model,
    total_count: meta.taskset.count * meta.group,
  };
}

/** One run as the gateway shows a trace. */
export function traceRecord(meta: JobMeta, run: RunRecord): LocalTraceRecord {
  return {
    id: run.trace_id,
    job_id: run.job_id,
    group_id: run.group_id,
    group_index: run.group_index,
    task_slug: run.slug,
    model: meta.agent.model,
    status: run.status,
    reward: run.reward,
    error: run.error,
    evaluation_result: run.grade,
    stop_reason: run.stop_reason,
    metadata: null,
    span_count: null,
    created_at: run.started_at,
    start_time: run.started_at,
    end_time: run.ended_at,
    updated_at: run.ended_at,
    cancel_requested: false,
    input_tokens: run.usage?.prompt_tokens ?? 0,
    output_tokens: run.usage?.completion_tokens ?? 0,
    cached_tokens: run.usage?.cached_tokens ?? 0,
    cost_usd: run.usage?.cost_usd ?? null,
    unpriced_requests: 0,
  };
}

/** A page of items; `next_cursor` (an offset, as text) is passed back as `cursor`. */
export interface LocalPage<Item> {
  items: Item[];
  next_cursor: string | null;
}

/** The offset a cursor names. @throws HudEvalError `invalid_argument` for anything else. */
function offsetOf(cursor: string | undefined): number {
  const offset = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new HudEvalError('invalid_argument', `cursor: not a cursor of this server: '${cursor}'`);
  }
  return offset;
}

/** `items` from offset `cursor`, `limit` of them. */
function pageOf<Item>(
  items: readonly Item[],
  limit: number,
  cursor: string | undefined,
): LocalPage<Item> {
  const offset = offsetOf(cursor);
  const next = offset + limit < items.length ? String(offset + limit) : null;
  return { items: items.slice(offset, offset + limit), next_cursor: next };
}

/** A trace's file (`<id>.jsonl`) or side file (`<id>.events.jsonl`, …): a run's first record is either. */
const TRACE_FILE = /^([0-9a-zA-Z_-]+)(?:\.(?:spans|logs|events))?\.jsonl$/;

/** A job read whole: its meta, one run per slot, and the traces still in progress (no record yet). */
export interface JobSnapshot {
  meta: JobMeta;
  runs: RunRecord[];
  running: string[];
}

/** Reads a local job store in the gateway's shapes; every id miss throws HudEvalError `job_not_found`. */
export class StoreApi {
  readonly store: JobStore;
  /** trace id → job id, filled as jobs are read. */
  readonly #traceJobs = new Map<string, string>();
  /**
   * Each job's `runs.jsonl` as last read, keyed by job id, with the file's size and mtime then: a request
   * while the file is unchanged (append-only: any new run changes its size) reuses it instead of parsing
   * every line again (a 10,000-run job's page asks for 20 pages of traces).
   */
  readonly #runsRead = new Map<
    string,
    { size: number; mtimeMs: number; all: RunRecord[]; runs: RunRecord[] }
  >();

  constructor(root: string) {
    this.store = new JobStore(root);
  }

  /** Job `jobId` read whole (see {@link JobSnapshot}). @throws HudEvalError `job_not_found`. */
  async snapshot(jobId: string): Promise<JobSnapshot> {
    const meta = await this.store.openJob(jobId);
    const { all, runs } = await this.#runs(jobId);
    const running: string[] = [];
    if (jobState(meta) === 'running') {
      const recorded = new Set(all.map((run) => run.trace_id));
      const names = await readdir(path.join(this.store.jobDirectory(jobId), 'traces')).catch(
        () => [] as string[],
      );
      for (const name of names) {
        const id = TRACE_FILE.exec(name)?.[1];
        if (id && !recorded.has(id) && !running.includes(id)) {
          running.push(id);
          this.#traceJobs.set(id, jobId);
        }
      }
    }
    return { meta, runs, running };
  }

  /** Job `jobId`'s runs (every record, and one per slot), parsed again only when `runs.jsonl` changed. */
  async #runs(jobId: string): Promise<{ all: RunRecord[]; runs: RunRecord[] }> {
    const file = path.join(this.store.jobDirectory(jobId), 'runs.jsonl');
    const info = await stat(file).catch(() => undefined);
    const cached = this.#runsRead.get(jobId);
    if (info && cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs)
      return cached;
    const all = await this.store.readRuns(jobId);
    const runs = slotOutcomes(all);
    for (const run of runs) this.#traceJobs.set(run.trace_id, jobId);
    if (info) this.#runsRead.set(jobId, { size: info.size, mtimeMs: info.mtimeMs, all, runs });
    return { all, runs };
  }

  /** `GET /v2/jobs?limit=&cursor=&q=&status=&taskset=`: newest first, filtered. */
  async listJobs(
    limit: number,
    cursor: string | undefined,
    filter: JobFilter = {},
  ): Promise<LocalPage<LocalJobRecord>> {
    offsetOf(cursor);
    const metas = await this.store.listJobs();
    const all = await Promise.all(metas.map((meta) => this.job(meta.id)));
    return pageOf(
      all.filter((job) => matchesFilter(job, filter)),
      limit,
      cursor,
    );
  }

  /** `GET /v2/jobs/{id}`. */
  async job(id: string): Promise<LocalJobRecord> {
    const { meta, runs, running } = await this.snapshot(id);
    return jobRecord(meta, runs, running.length);
  }

  /** `GET /v2/jobs/{id}/traces?limit=&offset=`: one trace per slot, in the order slots first ended. */
  async jobTraces(id: string, limit: number, offset: number) {
    const { meta, runs } = await this.snapshot(id);
    return {
      job_id: id,
      items: runs.slice(offset, offset + limit).map((run) => traceRecord(meta, run)),
    };
  }

  /** The job and run of trace `traceId`; `run` undefined while the trace is in progress. */
  async findTrace(traceId: string): Promise<{ meta: JobMeta; run: RunRecord | undefined }> {
    const known = this.#traceJobs.get(traceId);
    const jobIds = known ? [known] : (await this.store.listJobs()).map((meta) => meta.id);
    for (const jobId of jobIds) {
      const { meta, runs, running } = await this.snapshot(jobId);
      const run = runs.find((candidate) => candidate.trace_id === traceId);
      if (run || running.includes(traceId)) return { meta, run };
    }
    throw new HudEvalError('job_not_found', `no trace ${traceId}`);
  }

  /** `GET /v2/trace/{id}` (a trace in progress shows as `running`, its task not known yet). */
  async trace(id: string): Promise<LocalTraceRecord> {
    const { meta, run } = await this.findTrace(id);
    return run ? traceRecord(meta, run) : runningTrace(meta, id);
  }

  /**
   * `GET /v2/trace/{id}/spans?limit=&cursor=`: the trace's steps as hud-python spans (what an upload would
   * send) and its other recorded spans (`filetracking.*`), in start order, `limit` from `cursor` (an
   * offset, as text). A run whose trace file is missing has no step spans.
   */
  async spans(id: string, limit: number, cursor: string | undefined) {
    offsetOf(cursor);
    const spans = await this.allSpans(id);
    const page = pageOf(spans, limit, cursor);
    return { trace_id: id, spans: page.items, next_cursor: page.next_cursor };
  }

  /** Every span of trace `id` in start order (steps, then side spans, merged by start time). */
  async allSpans(id: string): Promise<{ span_id: string; start_time?: string }[]> {
    const { meta } = await this.findTrace(id);
    const steps = await this.store.readTrace(id, { jobId: meta.id }).catch((error: unknown) => {
      if (HudEvalError.isInstance(error) && error.code === 'job_not_found') return [];
      throw error;
    });
    const side = (await this.store.readTraceSide(id, 'spans', meta.id)) as {
      span_id: string;
      start_time?: string;
    }[];
    const all = [...steps.map((step) => stepSpan(id, step)), ...side];
    // A stable sort: equal times keep steps first, each in recorded order.
    return all.sort((a, b) => (a.start_time ?? '').localeCompare(b.start_time ?? ''));
  }

  /** The side records `kind` of trace `id` (`logs`, `events`), a page at a time. */
  async side(id: string, kind: TraceSideKind, limit: number, cursor: string | undefined) {
    offsetOf(cursor);
    const { meta } = await this.findTrace(id);
    const items = await this.store.readTraceSide(id, kind, meta.id);
    return { trace_id: id, ...pageOf(items, limit, cursor) };
  }

  /**
   * `GET /v2/jobs/{id}/qa`: the job's QA results (`<store>/<job>/qa.jsonl`, the latest per workflow and
   * trace), `{items: []}` when none were recorded. @throws HudEvalError `job_not_found`.
   */
  async jobQa(id: string): Promise<{ items: QaResult[] }> {
    await this.store.openJob(id);
    return { items: await readLocalResults(this.store, id) };
  }

  /** `GET /v2/trace/{id}/qa`: the QA results of trace `id` (see {@link jobQa}). */
  async traceQa(id: string): Promise<{ items: QaResult[] }> {
    const { meta } = await this.findTrace(id);
    const all = await readLocalResults(this.store, meta.id);
    return { items: all.filter((result) => result.subject_id === id) };
  }

  /**
   * `GET /v2/tasksets/{idOrName}/leaderboard`: the jobs whose taskset has that id or name, by (agent,
   * model). @throws HudEvalError `job_not_found` when no job ran such a taskset.
   */
  async leaderboard(
    idOrName: string,
  ): Promise<{ taskset_id: string | null; taskset_name: string; rows: LeaderboardRow[] }> {
    const metas = (await this.store.listJobs()).filter(
      (meta) => meta.taskset.name === idOrName || meta.taskset.taskset_id === idOrName,
    );
    const first = metas[0];
    if (!first) throw new HudEvalError('job_not_found', `no taskset ${idOrName} in this store`);
    const jobs = await Promise.all(
      metas.map(async (meta) => ({
        id: meta.id,
        created_at: meta.created_at,
        agent: meta.agent.name,
        model: meta.agent.model,
        group: meta.group,
        runs: (await this.snapshot(meta.id)).runs,
      })),
    );
    return {
      taskset_id: first.taskset.taskset_id,
      taskset_name: first.taskset.name,
      rows: leaderboardRows(jobs),
    };
  }
}

/** A trace in progress (a trace file without a run record yet). */
export function runningTrace(meta: JobMeta, id: string): LocalTraceRecord {
  return {
    id,
    job_id: meta.id,
    group_id: null,
    group_index: 0,
    task_slug: null,
    model: meta.agent.model,
    status: 'running',
    reward: null,
    error: null,
    evaluation_result: null,
    stop_reason: null,
    metadata: null,
    span_count: null,
    created_at: meta.updated_at,
    start_time: meta.updated_at,
    end_time: null,
    updated_at: meta.updated_at,
    cancel_requested: false,
    input_tokens: 0,
    output_tokens: 0,
    cached_tokens: 0,
    cost_usd: null,
    unpriced_requests: 0,
  };
}
