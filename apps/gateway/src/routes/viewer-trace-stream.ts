import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { GatewayError, messageOf } from '../errors.js';
import { authOf, type RouteFlags } from '../http/auth.js';
import { openEventStream } from '../http/event-stream.js';
import { canonicalRunId } from '../ids.js';
import type { TraceRecord } from '../store/areas/jobs.js';
import type { RouteContext } from './context.js';
import { usageFields } from './jobs.js';

/** A comment line this often keeps proxies from closing an idle stream. */
/** How often the stream reads the trace again, ms. */
export const TRACE_STREAM_POLL_MS = 500;
/** Spans re-read each poll from this long before the newest one seen (a commit that landed late). */
const OVERLAP_MS = 5_000;
/** The most spans or log lines one poll reads. */
const READ_LIMIT = 5_000;

const TERMINAL = new Set(['completed', 'error', 'cancelled']);

/**
 * `GET /v2/trace/{id}/stream` (Server-Sent Events, `: ping` every 15 s; the key may also come as
 * `?api_key=` since a browser's EventSource sends no header): `trace` (the trace record with its usage)
 * first and on each change; `spans` `{items}` with the spans not sent yet; `logs` `{items}` with the new
 * log lines; `end` `{trace_id}` once the trace is terminal and everything stored so far was sent. The
 * trace is read from the database, so spans and logs uploaded through any gateway show.
 */
export function registerTraceStreamRoute(app: FastifyInstance, context: RouteContext): void {
  const { jobs, telemetry, usage } = context.store;
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const flags: RouteFlags = { queryKey: true };

  app.get<{ Params: { id: string } }>(
    '/v2/trace/:id/stream',
    { config: flags },
    async (request, reply) => {
      const { teamId } = authOf(request);
      const traceId = canonicalRunId(request.params.id, 'trace id');
      if (!(await jobs.getTrace(teamId, traceId))) {
        throw new GatewayError('not_found', `no trace ${request.params.id}`);
      }
      reply.hijack();
      const stream = openEventStream(reply.raw);
      const { send } = stream;
      const signal = AbortSignal.any([stream.gone, closing.signal]);
      const withUsage = async (trace: TraceRecord) => ({
        ...trace,
        ...usageFields(
          await usage.traceUsage(teamId, trace.id),
          await usage.reportedUsage(teamId, { traceId: trace.id }),
        ),
      });
      try {
        const sentSpans = new Set<string>();
        let newestSpan = '';
        let logCursor: string | undefined;
        let lastTrace = '';
        while (!signal.aborted) {
          const trace = await jobs.getTrace(teamId, traceId);
          if (!trace) break;
          const shown = JSON.stringify(trace);
          if (shown !== lastTrace) {
            lastTrace = shown;
            send('trace', await withUsage(trace));
          }
          const since = newestSpan
            ? new Date(Date.parse(newestSpan) - OVERLAP_MS).toISOString()
            : '';
          const read = await telemetry.spansReceivedSince({
            teamId,
            traceId,
            since,
            limit: READ_LIMIT,
          });
          const fresh = read.spans.filter((span, index) => {
            const received = read.received[index] ?? '';
            if (received > newestSpan) newestSpan = received;
            const id = (span as { span_id?: string }).span_id ?? '';
            if (sentSpans.has(id)) return false;
            sentSpans.add(id);
            return true;
          });
          if (fresh.length > 0) send('spans', { items: fresh });
          const logs = await telemetry.listLines({
            teamId,
            traceId,
            kind: 'log',
            limit: READ_LIMIT,
            ...(logCursor ? { after: logCursor } : {}),
          });
          if (logs.items.length > 0) send('logs', { items: logs.items });
          logCursor = logs.last ?? logCursor;
          if (logs.next) continue; // more lines wait: read on at once
          if (TERMINAL.has(trace.status) && fresh.length < READ_LIMIT) {
            send('end', { trace_id: traceId });
            break;
          }
          await sleep(TRACE_STREAM_POLL_MS, undefined, { signal }).catch(() => {});
        }
      } catch (error) {
        if (!closing.signal.aborted)
          request.log.warn({ err: error }, `trace stream ended: ${messageOf(error)}`);
      } finally {
        stream.end();
      }
    },
  );
}
