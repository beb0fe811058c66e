import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId } from '../ids.js';
import type { RolloutState, TraceLineKind } from '../store/areas/telemetry.js';
import { type TraceEvent, traceEvents } from '../trace-events.js';
import type { RouteContext } from './context.js';

/** An ISO-8601 time as clients send it. */
const Time = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not an ISO-8601 time');

/** One line of a trace's LOGS: the environment's or container's output during the run. */
export const LogLine = z.object({
  time: Time,
  source: z.enum(['environment', 'container', 'agent']),
  stream: z.enum(['stdout', 'stderr']),
  line: z.string().max(65_536),
});
/** One line of a trace's LOGS. */
export type LogLine = z.infer<typeof LogLine>;

/** One debug event of a trace's DEBUG tab: runtime, worker, gateway or orchestrator phases. */
export const DebugEvent = z.object({
  time: Time,
  source: z.enum(['runtime', 'worker', 'gateway', 'orchestrator']),
  phase: z.string().min(1).max(64),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string().max(16_384),
  data: z.record(z.string(), z.unknown()).optional(),
});
/** One debug event of a trace. */
export type DebugEvent = z.infer<typeof DebugEvent>;

const LinesUpload = z.object({
  logs: z.array(LogLine).max(10_000).default([]),
  events: z.array(DebugEvent).max(10_000).default([]),
});

const LinePageQuery = z.looseObject({
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
  cursor: z.string().max(512).optional(),
});

/** The most spans `/events` reads for one trace for hud-python's span-derived `events`. */
const EVENT_SPAN_LIMIT = 20_000;

/**
 * Secret-looking tokens replaced in stored lines (as the job store does): bearer tokens, `api_key=`-style
 * values, keys with well-known prefixes (HUD `hud_`, `sk-`, GitHub, Slack) and AWS access key ids.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /(\b(?:api[_-]?key|token|secret|password)\s*[=:]\s*)["']?[^\s"']{6,}/gi,
  /()\b(?:hud_|sk-|ghp_|github_pat_|xox[abp]-)[A-Za-z0-9_-]{16,}/g,
  /()\bAKIA[0-9A-Z]{16}\b/g,
];

/** `text` with secret-looking tokens replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, '$1[redacted]');
  return result;
}

/**
 * `GET /v2/trace/{id}/events`: the trace's debug events a page at a time (`items`, `next_cursor`), plus
 * hud-python's span-derived `events` (what its `hud trace` reads) when asked without `limit`/`cursor`.
 */
export interface TraceEventsReply {
  trace_id: string;
  items: unknown[];
  next_cursor: string | null;
  events?: TraceEvent[];
}

/**
 * The gateway's own DEBUG events of a hosted rollout, from its queue row: when it was (last) queued, a
 * retry with the reason, the worker holding its lease, and when it was recorded.
 */
export function gatewayEvents(state: RolloutState): DebugEvent[] {
  const events: DebugEvent[] = [
    {
      time: state.created_at,
      source: 'gateway',
      phase: 'queued',
      level: 'info',
      message: 'submitted: waiting for a worker',
    },
  ];
  if (state.attempt > 1) {
    events.push({
      time: state.queued_at,
      source: 'gateway',
      phase: 'retry',
      level: 'warn',
      message: `queued again for attempt ${state.attempt} of ${state.max_attempts}: ${state.last_error ?? 'the previous attempt failed'}`,
      data: { attempt: state.attempt, max_attempts: state.max_attempts },
    });
  }
  if (state.status === 'leased' && state.lease_worker_name) {
    events.push({
      time: state.updated_at,
      source: 'gateway',
      phase: 'claimed',
      level: 'info',
      message: `leased to worker ${state.lease_worker_name} (attempt ${state.attempt})`,
    });
  }
  if (state.status === 'done') {
    events.push({
      time: state.updated_at,
      source: 'gateway',
      phase: 'recorded',
      level: 'info',
      message: `verdict recorded after ${state.attempt} attempt${state.attempt === 1 ? '' : 's'}`,
    });
  }
  return events;
}

/** The answer of `POST /v2/trace/{id}/logs`: lines received and newly stored, per kind. */
export interface TraceLinesReply {
  trace_id: string;
  logs: { received: number; inserted: number };
  events: { received: number; inserted: number };
}

/**
 * A trace's LOGS and DEBUG lines (the viewer's data contract 3 and 4):
 * - `POST /v2/trace/{id}/logs` `{logs?: LogLine[], events?: DebugEvent[]}` stores them (a hud-ts client
 *   uploads the job store's lines with the trace's spans); lines are redacted of secret-looking tokens;
 *   a re-sent batch adds nothing. Answers {@link TraceLinesReply}.
 * - `GET /v2/trace/{id}/logs?limit=&cursor=` → `{trace_id, items: LogLine[], next_cursor}`, time order.
 * - `GET /v2/trace/{id}/events?limit=&cursor=` → `{trace_id, items: DebugEvent[], next_cursor}` (a hosted
 *   rollout's first page also has the gateway's queue events, {@link gatewayEvents}); without
 *   `limit` and `cursor` (how hud-python's `hud trace` asks) the reply also has `events`, the span-derived
 *   events hud-python reads.
 * Unknown traces answer 404.
 */
export function registerTraceLogRoutes(app: FastifyInstance, context: RouteContext): void {
  const { jobs, telemetry } = context.store;
  const requireTrace = async (teamId: string, raw: string): Promise<string> => {
    const id = canonicalRunId(raw, 'trace id');
    if (!(await jobs.getTrace(teamId, id))) throw new GatewayError('not_found', `no trace ${raw}`);
    return id;
  };

  app.post<{ Params: { id: string } }>(
    '/v2/trace/:id/logs',
    { bodyLimit: context.limits.telemetry },
    async (request): Promise<TraceLinesReply> => {
      const auth = authOf(request);
      const traceId = canonicalRunId(request.params.id, 'trace id');
      const body = parseWith(LinesUpload, request.body ?? {}, 'body');
      const store = async (kind: TraceLineKind, items: readonly (LogLine | DebugEvent)[]) => {
        const lines = items.map((item) => ({ time: item.time, body: JSON.stringify(item) }));
        const { inserted } = await telemetry.ingestLines({
          teamId: auth.teamId,
          traceId,
          kind,
          lines,
        });
        return { received: items.length, inserted };
      };
      const logs = body.logs.map((line) => ({ ...line, line: redactSecrets(line.line) }));
      const events = body.events.map((event) => ({
        ...event,
        message: redactSecrets(event.message),
      }));
      return {
        trace_id: traceId,
        logs: await store('log', logs),
        events: await store('event', events),
      };
    },
  );

  app.get<{ Params: { id: string } }>('/v2/trace/:id/logs', async (request) => {
    const auth = authOf(request);
    const query = parseWith(LinePageQuery, request.query, 'query');
    const traceId = await requireTrace(auth.teamId, request.params.id);
    const page = await telemetry.listLines({
      teamId: auth.teamId,
      traceId,
      kind: 'log',
      limit: query.limit,
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    return { trace_id: traceId, items: page.items, next_cursor: page.next };
  });

  app.get<{ Params: { id: string } }>(
    '/v2/trace/:id/events',
    async (request): Promise<TraceEventsReply> => {
      const auth = authOf(request);
      const raw = (request.query ?? {}) as Record<string, unknown>;
      const query = parseWith(LinePageQuery, raw, 'query');
      const traceId = await requireTrace(auth.teamId, request.params.id);
      const page = await telemetry.listLines({
        teamId: auth.teamId,
        traceId,
        kind: 'event',
        limit: query.limit,
        ...(query.cursor ? { after: query.cursor } : {}),
      });
      // A hosted rollout's queue events lead the first page, merged by time.
      const state = query.cursor ? undefined : await telemetry.rolloutState(auth.teamId, traceId);
      const items = state
        ? [...gatewayEvents(state), ...(page.items as DebugEvent[])].sort((a, b) =>
            a.time.localeCompare(b.time),
          )
        : page.items;
      const reply = { trace_id: traceId, items, next_cursor: page.next };
      if (raw.limit !== undefined || raw.cursor !== undefined) return reply;
      const spans = await telemetry.listSpans({
        teamId: auth.teamId,
        traceId,
        limit: EVENT_SPAN_LIMIT,
      });
      return { ...reply, events: traceEvents(spans.spans) };
    },
  );
}
