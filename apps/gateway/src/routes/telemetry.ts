import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { describeIssues, parseWith } from '../http/replies.js';
import { canonicalRunId } from '../ids.js';
import { Span, TelemetryUpload } from '../schemas/span.js';
import type { SpanRow } from '../store/areas/telemetry.js';
import type { RouteContext } from './context.js';

/** The answer of a span upload: how many spans came and how many were new (the rest were re-sends). */
export interface TelemetryUploadReply {
  trace_id: string;
  received: number;
  inserted: number;
}

/**
 * Validates every span of a batch; the first failing span rejects the batch whole.
 * @throws GatewayError `invalid_request` naming the span (index and `span_id`) and its failing fields.
 */
function validateBatch(raw: readonly unknown[]): SpanRow[] {
  const rows: SpanRow[] = [];
  for (const [index, candidate] of raw.entries()) {
    const result = Span.safeParse(candidate);
    if (!result.success) {
      const spanId = (candidate as { span_id?: unknown } | null)?.span_id;
      const named =
        typeof spanId === 'string' ? ` (span_id ${JSON.stringify(spanId.slice(0, 40))})` : '';
      throw new GatewayError(
        'invalid_request',
        `telemetry batch rejected, nothing stored: span telemetry[${index}]${named}: ${describeIssues(result.error.issues)}`,
      );
    }
    const span = result.data;
    rows.push({
      span_id: span.span_id.toLowerCase(),
      name: span.name,
      start_time: span.start_time,
      body: JSON.stringify(span),
    });
  }
  return rows;
}

/**
 * `POST /v3/api/trace/{task_run_id}/telemetry-upload` with `{"telemetry": [span…]}` (spec §8.3; mounted
 * under `/v3/api` so `HUD_TELEMETRY_URL=<gateway>/v3/api` is all a client needs). The whole batch is
 * validated before anything is written and stored in one transaction, answered only once committed:
 * an answered batch survives a crash, an unanswered one may be re-sent (stored spans are skipped by
 * `span_id`). Answers {@link TelemetryUploadReply}.
 */
export function registerTelemetryRoutes(app: FastifyInstance, context: RouteContext): void {
  app.post<{ Params: { taskRunId: string } }>(
    '/v3/api/trace/:taskRunId/telemetry-upload',
    { bodyLimit: context.limits.telemetry },
    async (request): Promise<TelemetryUploadReply> => {
      const auth = authOf(request);
      const traceId = canonicalRunId(request.params.taskRunId, 'task_run_id');
      const { telemetry } = parseWith(TelemetryUpload, request.body ?? {}, 'body');
      const spans = validateBatch(telemetry);
      const { inserted } =
        spans.length === 0
          ? { inserted: 0 }
          : await context.store.telemetry.ingestSpans({ teamId: auth.teamId, traceId, spans });
      return { trace_id: traceId, received: spans.length, inserted };
    },
  );
}
