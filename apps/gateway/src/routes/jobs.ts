import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId } from '../ids.js';
import { PageQuery } from '../schemas/platform.js';
import type { JobFilter, JobRecord, TraceRecord } from '../store/areas/jobs.js';
import type { ReportedUsage, UsageTotals } from '../store/areas/usage.js';
import type { RouteContext } from './context.js';

/** A page of records: `next_cursor` is passed back as `?cursor=` for the next page (null at the end). */
export interface Page<Item> {
  items: Item[];
  next_cursor: string | null;
}

export type { TraceEventsReply } from './trace-logs.js';

/** `GET /v2/trace/{id}/spans`: the raw spans in order, a page at a time. */
export interface TraceSpansReply {
  trace_id: string;
  spans: unknown[];
  next_cursor: string | null;
}

/**
 * LLM usage added to jobs and traces: from the LLM gateway's records when the runs called their model
 * through this gateway, else what the traces reported at `exit` (`metadata.usage`). Tokens in, out and
 * cached; `cost_usd` in USD, null when unknown (every request was of a model without a price, or nothing
 * reported one); `unpriced_requests` counts the gateway's requests without a price.
 */
export interface UsageFields {
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number | null;
  unpriced_requests: number;
}

/** {@link UsageFields} of the gateway's totals, or of the traces' own reports when the gateway has none. */
export function usageFields(totals: UsageTotals, reported: ReportedUsage): UsageFields {
  if (totals.requests === 0 && reported.traces > 0) {
    return {
      input_tokens: reported.input_tokens,
      output_tokens: reported.output_tokens,
      cached_tokens: reported.cached_tokens,
      cost_usd: reported.cost_usd,
      unpriced_requests: 0,
    };
  }
  const unknown = totals.requests > 0 && totals.unpriced_requests === totals.requests;
  return {
    input_tokens: totals.input_tokens,
    output_tokens: totals.output_tokens,
    cached_tokens: totals.cached_tokens,
    cost_usd: unknown ? null : totals.cost_usd,
    unpriced_requests: totals.unpriced_requests,
  };
}

/** `GET /v2/jobs` query: paging plus the filters of {@link JobFilter}. */
const JobListQuery = PageQuery.extend({
  q: z.string().max(200).optional(),
  status: z.enum(['pending', 'running', 'completed', 'cancelled']).optional(),
  taskset: z.string().max(512).optional(),
});

const SpanPageQuery = z.looseObject({
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
  cursor: z.string().max(512).optional(),
});

/**
 * Jobs and traces for reading (spec §9.8; hud-python's `hud jobs` accepts a list or `{items}`):
 * - `GET /v2/jobs?limit=&cursor=` → {@link Page} of {@link JobRecord}, newest first;
 * - `GET /v2/jobs/{id}` → the job; `GET /v2/jobs/{id}/traces?limit=&offset=` → `{items, job_id}`;
 * - `GET /v2/trace/{id}` → the {@link TraceRecord} (what `HostedRuntime` polls);
 * - `GET /v2/trace/{id}/spans` → {@link TraceSpansReply} (`/events` and `/logs`: see
 *   `registerTraceLogRoutes`).
 * Jobs and the job's traces carry {@link UsageFields} besides hud-python's fields. Ids may be 32 hex or
 * dashed UUIDs. Unknown ids answer 404.
 */
export function registerJobRoutes(app: FastifyInstance, context: RouteContext): void {
  const { jobs, telemetry, usage } = context.store;
  const jobWithUsage = async (
    teamId: string,
    job: JobRecord,
  ): Promise<JobRecord & UsageFields> => ({
    ...job,
    ...usageFields(
      await usage.jobUsage(teamId, job.id),
      await usage.reportedUsage(teamId, { jobId: job.id }),
    ),
  });
  const traceWithUsage = async (
    teamId: string,
    trace: TraceRecord,
  ): Promise<TraceRecord & UsageFields> => ({
    ...trace,
    ...usageFields(
      await usage.traceUsage(teamId, trace.id),
      await usage.reportedUsage(teamId, { traceId: trace.id }),
    ),
  });

  const requireTrace = async (teamId: string, raw: string): Promise<TraceRecord> => {
    const trace = await jobs.getTrace(teamId, canonicalRunId(raw, 'trace id'));
    if (!trace) throw new GatewayError('not_found', `no trace ${raw}`);
    return trace;
  };

  app.get('/v2/jobs', async (request): Promise<Page<JobRecord & UsageFields>> => {
    const auth = authOf(request);
    const query = parseWith(JobListQuery, request.query, 'query');
    const filter: JobFilter = {
      ...(query.q ? { q: query.q } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.taskset ? { taskset: query.taskset } : {}),
    };
    const page = await jobs.listJobs({
      teamId: auth.teamId,
      limit: query.limit,
      filter,
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    const items = await Promise.all(page.items.map((job) => jobWithUsage(auth.teamId, job)));
    return { items, next_cursor: page.next };
  });

  app.get<{ Params: { id: string } }>(
    '/v2/jobs/:id',
    async (request): Promise<JobRecord & UsageFields> => {
      const auth = authOf(request);
      const job = await jobs.getJob(auth.teamId, canonicalRunId(request.params.id, 'job id'));
      if (!job) throw new GatewayError('not_found', `no job ${request.params.id}`);
      return jobWithUsage(auth.teamId, job);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v2/jobs/:id/traces',
    async (request): Promise<{ job_id: string; items: (TraceRecord & UsageFields)[] }> => {
      const auth = authOf(request);
      const query = parseWith(PageQuery, request.query, 'query');
      const jobId = canonicalRunId(request.params.id, 'job id');
      if (!(await jobs.getJob(auth.teamId, jobId))) {
        throw new GatewayError('not_found', `no job ${request.params.id}`);
      }
      const traces = await jobs.listJobTraces({
        teamId: auth.teamId,
        jobId,
        limit: query.limit,
        offset: query.offset,
      });
      const items = await Promise.all(traces.map((trace) => traceWithUsage(auth.teamId, trace)));
      return { job_id: jobId, items };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v2/trace/:id',
    async (request): Promise<TraceRecord & UsageFields> => {
      const { teamId } = authOf(request);
      return traceWithUsage(teamId, await requireTrace(teamId, request.params.id));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v2/trace/:id/spans',
    async (request): Promise<TraceSpansReply> => {
      const auth = authOf(request);
      const query = parseWith(SpanPageQuery, request.query, 'query');
      const trace = await requireTrace(auth.teamId, request.params.id);
      const page = await telemetry.listSpans({
        teamId: auth.teamId,
        traceId: trace.id,
        limit: query.limit,
        ...(query.cursor ? { after: query.cursor } : {}),
      });
      return { trace_id: trace.id, spans: page.spans, next_cursor: page.next };
    },
  );
}
