import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId } from '../ids.js';
import { PageQuery } from '../schemas/platform.js';
import type { JobRecord, TraceRecord } from '../store/areas/jobs.js';
import type { UsageTotals } from '../store/areas/usage.js';
import { type TraceEvent, traceEvents } from '../trace-events.js';
import type { RouteContext } from './context.js';

/** A page of records: `next_cursor` is passed back as `?cursor=` for the next page (null at the end). */
export interface Page<Item> {
  items: Item[];
  next_cursor: string | null;
}

/** `GET /v2/trace/{id}/events`: hud-python's `hud trace` reads `events`. */
export interface TraceEventsReply {
  trace_id: string;
  events: TraceEvent[];
}

/** `GET /v2/trace/{id}/spans`: the raw spans in order, a page at a time. */
export interface TraceSpansReply {
  trace_id: string;
  spans: unknown[];
  next_cursor: string | null;
}

/**
 * LLM usage added to jobs and traces (from the LLM gateway's records): tokens in and out; `cost_usd` in
 * USD, null when every request was of a model without a price; `unpriced_requests` counts those.
 */
export interface UsageFields {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  unpriced_requests: number;
}

function usageFields(totals: UsageTotals): UsageFields {
  const unknown = totals.requests > 0 && totals.unpriced_requests === totals.requests;
  return {
    input_tokens: totals.input_tokens,
    output_tokens: totals.output_tokens,
    cost_usd: unknown ? null : totals.cost_usd,
    unpriced_requests: totals.unpriced_requests,
  };
}

const SpanPageQuery = z.looseObject({
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
  cursor: z.string().max(512).optional(),
});

/** The most spans `/events` reads for one trace (the raw spans route pages through any number). */
const EVENT_SPAN_LIMIT = 20_000;

/**
 * Jobs and traces for reading (spec §9.8; hud-python's `hud jobs` accepts a list or `{items}`):
 * - `GET /v2/jobs?limit=&cursor=` → {@link Page} of {@link JobRecord}, newest first;
 * - `GET /v2/jobs/{id}` → the job; `GET /v2/jobs/{id}/traces?limit=&offset=` → `{items, job_id}`;
 * - `GET /v2/trace/{id}` → the {@link TraceRecord} (what `HostedRuntime` polls);
 * - `GET /v2/trace/{id}/events` → {@link TraceEventsReply}; `GET /v2/trace/{id}/spans` →
 *   {@link TraceSpansReply}.
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
    ...usageFields(await usage.jobUsage(teamId, job.id)),
  });

  const requireTrace = async (teamId: string, raw: string): Promise<TraceRecord> => {
    const trace = await jobs.getTrace(teamId, canonicalRunId(raw, 'trace id'));
    if (!trace) throw new GatewayError('not_found', `no trace ${raw}`);
    return trace;
  };

  app.get('/v2/jobs', async (request): Promise<Page<JobRecord & UsageFields>> => {
    const auth = authOf(request);
    const query = parseWith(PageQuery, request.query, 'query');
    const page = await jobs.listJobs({
      teamId: auth.teamId,
      limit: query.limit,
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
      const items = await Promise.all(
        traces.map(async (trace) => ({
          ...trace,
          ...usageFields(await usage.traceUsage(auth.teamId, trace.id)),
        })),
      );
      return { job_id: jobId, items };
    },
  );

  app.get<{ Params: { id: string } }>('/v2/trace/:id', async (request): Promise<TraceRecord> => {
    return requireTrace(authOf(request).teamId, request.params.id);
  });

  app.get<{ Params: { id: string } }>(
    '/v2/trace/:id/events',
    async (request): Promise<TraceEventsReply> => {
      const auth = authOf(request);
      const trace = await requireTrace(auth.teamId, request.params.id);
      const page = await telemetry.listSpans({
        teamId: auth.teamId,
        traceId: trace.id,
        limit: EVENT_SPAN_LIMIT,
      });
      return { trace_id: trace.id, events: traceEvents(page.spans) };
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
