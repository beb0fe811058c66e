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
  /** Local: the agent's name. */
  agent?: string | null;
  /** Local: the agent's model. */
  model?: string | null;
  /** Local: the runs the job was asked for (tasks × group). */
  total_count?: number | null;
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

/** The gateway's largest page of a job's traces. */
export const TRACE_PAGE_LIMIT = 500;
/** The gateway's largest page of spans. */
export const SPAN_PAGE_LIMIT = 1_000;

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

  /** One page of jobs, newest first (`GET /v2/jobs?limit=&cursor=`). */
  listJobs(page: { limit?: number; cursor?: string | null } = {}): Promise<JobPage> {
    return this.#get<JobPage>('/v2/jobs', {
      limit: page.limit ?? 100,
      cursor: page.cursor ?? undefined,
    });
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
