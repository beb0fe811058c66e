import {
  HudEvalError,
  hasVerdict,
  type JobMeta,
  JobStore,
  jobState,
  type RunRecord,
  slotOutcomes,
  stepSpan,
} from '@hud/eval';

// The gateway's job and trace read routes (apps/gateway/src/routes/jobs.ts) answered from a local job store
// (`.hud/jobs`), so the viewer talks to one API shape. Records carry the gateway's fields plus a few the
// local store knows (`agent`, `model`, `total_count` on jobs; `group_index` on traces).

/** A job as `GET /v2/jobs` answers it (the gateway's `JobRecord` + usage), with local extras. */
export interface LocalJobRecord {
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
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  unpriced_requests: number;
  agent: string;
  model: string | null;
  total_count: number;
}

/** A trace as `GET /v2/trace/{id}` answers it (the gateway's `TraceRecord` + usage), with `group_index`. */
export interface LocalTraceRecord {
  id: string;
  job_id: string;
  group_id: string;
  group_index: number;
  task_slug: string;
  model: string | null;
  status: RunRecord['status'];
  reward: number | null;
  error: string | null;
  evaluation_result: unknown;
  stop_reason: string | null;
  metadata: null;
  span_count: number | null;
  created_at: string;
  start_time: string;
  end_time: string;
  updated_at: string;
  cancel_requested: boolean;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  unpriced_requests: number;
}

function sumCost(runs: readonly RunRecord[]): number | null {
  const costs = runs.flatMap((run) => (run.usage.cost_usd === null ? [] : [run.usage.cost_usd]));
  return costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0);
}

/** Job `meta` with its runs (one per slot) as the gateway lists a job. */
export function jobRecord(meta: JobMeta, runs: readonly RunRecord[]): LocalJobRecord {
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
    trace_count: runs.length,
    running_count: 0,
    queued_count: 0,
    error_count: runs.filter((run) => run.status === 'error').length,
    reward:
      verdicts.length === 0
        ? null
        : verdicts.reduce((sum, run) => sum + (run.reward ?? 0), 0) / verdicts.length,
    input_tokens: runs.reduce((sum, run) => sum + run.usage.prompt_tokens, 0),
    output_tokens: runs.reduce((sum, run) => sum + run.usage.completion_tokens, 0),
    cost_usd: sumCost(runs),
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
    input_tokens: run.usage.prompt_tokens,
    output_tokens: run.usage.completion_tokens,
    cost_usd: run.usage.cost_usd,
    unpriced_requests: 0,
  };
}

/** Reads a local job store in the gateway's shapes; every id miss throws HudEvalError `job_not_found`. */
export class StoreApi {
  readonly store: JobStore;
  /** trace id → job id, filled as jobs are read. */
  readonly #traceJobs = new Map<string, string>();

  constructor(root: string) {
    this.store = new JobStore(root);
  }

  async #runs(jobId: string): Promise<{ meta: JobMeta; runs: RunRecord[] }> {
    const meta = await this.store.openJob(jobId);
    const runs = slotOutcomes(await this.store.readRuns(jobId));
    for (const run of runs) this.#traceJobs.set(run.trace_id, jobId);
    return { meta, runs };
  }

  /** `GET /v2/jobs`: newest first, `limit` from `cursor` (an offset into the list, as text). */
  async listJobs(limit: number, cursor: string | undefined) {
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new HudEvalError(
        'invalid_argument',
        `cursor: not a cursor of this server: '${cursor}'`,
      );
    }
    const metas = await this.store.listJobs();
    const page = metas.slice(offset, offset + limit);
    const items = await Promise.all(
      page.map(async (meta) => jobRecord(meta, (await this.#runs(meta.id)).runs)),
    );
    const next = offset + limit < metas.length ? String(offset + limit) : null;
    return { items, next_cursor: next };
  }

  /** `GET /v2/jobs/{id}`. */
  async job(id: string): Promise<LocalJobRecord> {
    const { meta, runs } = await this.#runs(id);
    return jobRecord(meta, runs);
  }

  /** `GET /v2/jobs/{id}/traces?limit=&offset=`: one trace per slot, in the order slots first ended. */
  async jobTraces(id: string, limit: number, offset: number) {
    const { meta, runs } = await this.#runs(id);
    return {
      job_id: id,
      items: runs.slice(offset, offset + limit).map((run) => traceRecord(meta, run)),
    };
  }

  async #findTrace(traceId: string): Promise<{ meta: JobMeta; run: RunRecord }> {
    const known = this.#traceJobs.get(traceId);
    const jobIds = known ? [known] : (await this.store.listJobs()).map((meta) => meta.id);
    for (const jobId of jobIds) {
      const { meta, runs } = await this.#runs(jobId);
      const run = runs.find((candidate) => candidate.trace_id === traceId);
      if (run) return { meta, run };
    }
    throw new HudEvalError('job_not_found', `no trace ${traceId}`);
  }

  /** `GET /v2/trace/{id}`. */
  async trace(id: string): Promise<LocalTraceRecord> {
    const { meta, run } = await this.#findTrace(id);
    return traceRecord(meta, run);
  }

  /**
   * `GET /v2/trace/{id}/spans?limit=&cursor=`: the trace's steps as hud-python spans (what an upload would
   * send), `limit` from `cursor` (an offset, as text). A run whose trace file is missing has no spans.
   */
  async spans(id: string, limit: number, cursor: string | undefined) {
    const { run } = await this.#findTrace(id);
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new HudEvalError(
        'invalid_argument',
        `cursor: not a cursor of this server: '${cursor}'`,
      );
    }
    const steps = await this.store.readTrace(id, { jobId: run.job_id }).catch((error: unknown) => {
      if (HudEvalError.isInstance(error) && error.code === 'job_not_found') return [];
      throw error;
    });
    const spans = steps.slice(offset, offset + limit).map((step) => stepSpan(id, step));
    const next = offset + limit < steps.length ? String(offset + limit) : null;
    return { trace_id: id, spans, next_cursor: next };
  }
}
