// The viewer's only data access: the gateway's read routes (`GET /v2/jobs`, `/v2/jobs/{id}`,
// `/v2/jobs/{id}/traces`, `/v2/trace/{id}`, `/v2/trace/{id}/spans`), which `hud view` also serves over a
// local job store. Shapes are the gateway's (apps/gateway/src/routes/jobs.ts); fields marked "local" are
// extras only `hud view` knows, each optional.

/** A job as `GET /v2/jobs` and `/v2/jobs/{id}` answer it. */
export interface JobSummary {
  id: string;
  name: string | null;
  group: number;
  taskset_id: string | null;
  taskset_name: string | null;
  status: 'pending' | 'running' | 'completed' | 'cancelled';
  created_at: string;
  updated_at: string;
  trace_count: number;
  running_count: number;
  error_count: number;
  /** Mean reward over the runs with a verdict; null when none. */
  reward: number | null;
  input_tokens?: number;
  output_tokens?: number;
  /** USD; null when unknown. */
  cost_usd?: number | null;
  cached_tokens?: number;
  /** The agent's name (null when unknown). */
  agent?: string | null;
  /** The agent's model. */
  model?: string | null;
  /** The runs the job was asked for (tasks × group); null when unknown. */
  total_count?: number | null;
  /** Distinct task slugs so far. */
  task_count?: number;
  /** Runs with a verdict. */
  completed_count?: number;
  /** Passed runs (reward >= 1) / runs with a verdict; null when none. */
  success_rate?: number | null;
  /** Fraction of tasks with a passed run among their `group` runs; null when group is 1 or no verdicts. */
  pass_at_k?: number | null;
  /** First run start → last run end (or now while running), ms. */
  duration_ms?: number | null;
}

/** A trace (one run) as `GET /v2/jobs/{id}/traces` and `/v2/trace/{id}` answer it. */
export interface TraceSummary {
  id: string;
  job_id: string | null;
  group_id: string | null;
  task_slug: string | null;
  model: string | null;
  status: 'queued' | 'running' | 'completed' | 'error' | 'cancelled';
  reward: number | null;
  error: string | null;
  /** The grade (`{score, subscores?, content?, info?, isError?}`) as the run reported it. */
  evaluation_result: unknown;
  stop_reason: string | null;
  created_at: string;
  start_time: string | null;
  end_time: string | null;
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number | null;
  /** Local: the 0-based attempt of the task within its group. */
  group_index?: number;
  cached_tokens?: number;
  /** The task's prompt, when the server knows it. */
  prompt?: string | null;
  /** The task (`{env, id, args, slug}`), when the server knows it. */
  task?: { env?: string; id?: string; slug?: string; args?: unknown } | null;
}

/**
 * One QA verdict on a trace, as `GET /v2/jobs/{id}/qa` and `/v2/trace/{id}/qa` answer it (`{items}`; the
 * `QaResult` of @hud/protocol, which `hud qa run` also writes to a local job's `qa.jsonl`): a QA agent's
 * (workflow's) review of trace `subject_id`. The verdict fields are null until `status` is `completed`.
 */
export interface QaResult {
  id: string;
  /** The workflow, e.g. `false-positive`. */
  qa_agent_id: string;
  subject_type: 'trace';
  /** The trace reviewed. */
  subject_id: string;
  job_id: string | null;
  status: 'pending' | 'running' | 'completed';
  verdict: 'passed' | 'flagged' | 'error' | null;
  /** Why it was flagged (one of the workflow's categories); null when passed. */
  category: string | null;
  /** 0 to 1. */
  confidence: number | null;
  /** The trace steps cited (1-based `step_id`s) with an optional note each. */
  evidence: { step: number; note?: string }[];
  explanation: string | null;
  /** The judge's model. */
  model: string | null;
  created_at: string;
  updated_at: string;
}

/** One row of a taskset's leaderboard: one (agent, model) over every job run on the taskset. */
export interface LeaderboardRow {
  agent: string | null;
  model: string | null;
  job_count: number;
  run_count: number;
  mean_reward: number | null;
  success_rate: number | null;
  pass_at_k: number | null;
  cost_usd: number | null;
  input_tokens: number;
  output_tokens: number;
  latest_job_id: string;
  latest_at: string;
}

/** `GET /v2/tasksets/{idOrName}/leaderboard`: rows by mean reward, best first. */
export interface Leaderboard {
  taskset_id: string | null;
  taskset_name: string;
  rows: LeaderboardRow[];
}

/** One line of a run's environment/container/agent output (`GET /v2/trace/{id}/logs`). */
export interface LogLine {
  time: string;
  source: 'environment' | 'container' | 'agent';
  stream: 'stdout' | 'stderr';
  line: string;
}

/** One runtime/worker/gateway/orchestrator event of a run (`GET /v2/trace/{id}/events`). */
export interface DebugEvent {
  time: string;
  source: 'runtime' | 'worker' | 'gateway' | 'orchestrator';
  phase: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

/** A page of items with the cursor of the next (null at the end). */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** Filters of `GET /v2/jobs` (each optional; '' = any). */
export interface JobFilters {
  /** Case-insensitive substring of id, name, taskset, agent or model. */
  q?: string;
  status?: string;
  /** Taskset id or name. */
  taskset?: string;
}

/** One span of `GET /v2/trace/{id}/spans` (hud-python's span upload shape); the step is in `attributes`. */
export interface Span {
  span_id: string;
  name?: string;
  start_time?: string;
  end_time?: string;
  attributes?: Record<string, unknown>;
}

/** A page of jobs: pass `next_cursor` back as `cursor` for the next one (null at the end). */
export interface JobPage {
  items: JobSummary[];
  next_cursor: string | null;
}

/** A failed API call: the HTTP status (0 when the server was not reached) and the server's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** How {@link ViewerApi} reaches the server. */
export interface ApiOptions {
  /** Prepended to every path (default: '' = the page's own origin). */
  baseUrl?: string;
  /** A HUD API key sent as `Authorization: Bearer …` (the gateway needs one; `hud view` does not). */
  key?: string | null;
  /** The fetch to use (tests pass their own). */
  fetch?: typeof fetch;
}

/** How a stream is reached: the same base, key and fetch as the API (see `src/sse.ts`). */
export interface StreamTarget {
  url: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

/** The gateway's largest page of a job's traces. */
export const TRACE_PAGE_LIMIT = 500;
/** The gateway's largest page of spans. */
export const SPAN_PAGE_LIMIT = 1_000;
/** Lines of logs (and debug events) asked for at a time. */
export const LOG_PAGE_LIMIT = 500;

/** The message of an error reply `{error: {message}}`, `{detail}` or `{message}`, else the status line. */
function errorMessage(status: number, body: unknown, fallback: string): string {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const error = record.error as Record<string, unknown> | undefined;
    if (error && typeof error.message === 'string') return error.message;
    if (typeof record.detail === 'string') return record.detail;
    if (typeof record.message === 'string') return record.message;
  }
  return `${status} ${fallback}`.trim();
}

/** Reads the `/v2` job and trace routes; every method throws {@link ApiError} on a failed call. */
export class ViewerApi {
  readonly #base: string;
  readonly #key: string | null;
  readonly #fetch: typeof fetch;

  constructor(options: ApiOptions = {}) {
    this.#base = (options.baseUrl ?? '').replace(/\/$/, '');
    this.#key = options.key ?? null;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async #get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.size > 0 ? `?${params}` : '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#key) headers.authorization = `Bearer ${this.#key}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}${search}`, { headers });
    } catch (cause) {
      throw new ApiError(0, `GET ${path}: ${cause instanceof Error ? cause.message : cause}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      throw new ApiError(response.status, errorMessage(response.status, body, response.statusText));
    }
    if (body === undefined) throw new ApiError(response.status, `GET ${path}: not JSON`);
    return body as T;
  }

  /** One page of jobs, newest first (`GET /v2/jobs?limit=&cursor=&q=&status=&taskset=`). */
  listJobs(page: { limit?: number; cursor?: string | null } & JobFilters = {}): Promise<JobPage> {
    return this.#get<JobPage>('/v2/jobs', {
      limit: page.limit ?? 100,
      cursor: page.cursor ?? undefined,
      q: page.q || undefined,
      status: page.status || undefined,
      taskset: page.taskset || undefined,
    });
  }

  /** A taskset's leaderboard (`GET /v2/tasksets/{idOrName}/leaderboard`). */
  leaderboard(taskset: string): Promise<Leaderboard> {
    return this.#get<Leaderboard>(`/v2/tasksets/${encodeURIComponent(taskset)}/leaderboard`);
  }

  /** One page of a run's output lines (`GET /v2/trace/{id}/logs?limit=&cursor=`). */
  traceLogs(id: string, page: { limit?: number; cursor?: string | null } = {}) {
    return this.#get<CursorPage<LogLine>>(`/v2/trace/${encodeURIComponent(id)}/logs`, {
      limit: page.limit ?? LOG_PAGE_LIMIT,
      cursor: page.cursor ?? undefined,
    });
  }

  /** One page of a run's debug events (`GET /v2/trace/{id}/events?limit=&cursor=`). */
  traceEvents(id: string, page: { limit?: number; cursor?: string | null } = {}) {
    return this.#get<CursorPage<DebugEvent>>(`/v2/trace/${encodeURIComponent(id)}/events`, {
      limit: page.limit ?? LOG_PAGE_LIMIT,
      cursor: page.cursor ?? undefined,
    });
  }

  /** Where a Server-Sent Events route is (`/v2/jobs/{id}/stream`, `/v2/trace/{id}/stream`), with the key. */
  stream(path: string): StreamTarget {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.#key) headers.authorization = `Bearer ${this.#key}`;
    return { url: `${this.#base}${path}`, headers, fetch: this.#fetch };
  }

  /** One job (`GET /v2/jobs/{id}`). */
  job(id: string): Promise<JobSummary> {
    return this.#get<JobSummary>(`/v2/jobs/${encodeURIComponent(id)}`);
  }

  /** One page of a job's traces, oldest first (`GET /v2/jobs/{id}/traces?limit=&offset=`). */
  async jobTraces(id: string, page: { limit: number; offset: number }): Promise<TraceSummary[]> {
    const reply = await this.#get<{ items: TraceSummary[] }>(
      `/v2/jobs/${encodeURIComponent(id)}/traces`,
      { limit: page.limit, offset: page.offset },
    );
    return reply.items;
  }

  /**
   * Every trace of a job, {@link TRACE_PAGE_LIMIT} at a time; `onPage` sees the traces read so far after
   * each page (to draw while the rest loads).
   */
  async allJobTraces(
    id: string,
    onPage?: (sofar: readonly TraceSummary[]) => void,
  ): Promise<TraceSummary[]> {
    const all: TraceSummary[] = [];
    for (;;) {
      const items = await this.jobTraces(id, { limit: TRACE_PAGE_LIMIT, offset: all.length });
      all.push(...items);
      onPage?.(all);
      if (items.length < TRACE_PAGE_LIMIT) return all;
    }
  }

  /**
   * A job's QA verdicts (`GET /v2/jobs/{id}/qa`); none when the server answers 404 (one older than the QA
   * routes). @throws ApiError on any other failure.
   */
  jobQa(id: string): Promise<QaResult[]> {
    return this.#qa(`/v2/jobs/${encodeURIComponent(id)}/qa`);
  }

  /** A trace's QA verdicts (`GET /v2/trace/{id}/qa`); none on a 404, as {@link ViewerApi.jobQa}. */
  traceQa(id: string): Promise<QaResult[]> {
    return this.#qa(`/v2/trace/${encodeURIComponent(id)}/qa`);
  }

  async #qa(path: string): Promise<QaResult[]> {
    try {
      return (await this.#get<{ items?: QaResult[] }>(path)).items ?? [];
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return [];
      throw error;
    }
  }

  /** One trace (`GET /v2/trace/{id}`). */
  trace(id: string): Promise<TraceSummary> {
    return this.#get<TraceSummary>(`/v2/trace/${encodeURIComponent(id)}`);
  }

  /** Every span of a trace, in order, following `next_cursor` (`GET /v2/trace/{id}/spans`). */
  async traceSpans(id: string): Promise<Span[]> {
    const spans: Span[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.#get<{ spans: Span[]; next_cursor: string | null }>(
        `/v2/trace/${encodeURIComponent(id)}/spans`,
        { limit: SPAN_PAGE_LIMIT, cursor },
      );
      spans.push(...page.spans);
      if (!page.next_cursor || page.spans.length === 0) return spans;
      cursor = page.next_cursor;
    }
  }
}
