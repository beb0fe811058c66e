import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { describeIssues } from '../http/replies.js';
import { Span } from '../schemas/span.js';
import type { SpanRow } from '../store/areas/telemetry.js';
import type { RouteContext } from './context.js';
import { decodeOtlpProtobuf, otlpSpans } from './otlp-decode.js';

const PROTOBUF = 'application/x-protobuf';

/**
 * `POST /v1/traces`: OTLP/HTTP trace export (OpenTelemetry Protocol, `http/json` or `http/protobuf`), so
 * spans of any OTel-instrumented agent land in the gateway's store and viewer next to hud's own. Spans are
 * grouped by trace id (a trace row is made for each) and stored as `POST …/telemetry-upload` stores them
 * (re-sent spans are skipped by `span_id`). Needs a key (`OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer
 * <key>`). Answers an empty `ExportTraceServiceResponse` in the request's encoding; a span that is not
 * valid (bad ids, times) rejects the whole request with 400, naming it.
 */
export function registerOtlpRoutes(app: FastifyInstance, context: RouteContext): void {
  app.register(async (scope) => {
    scope.addContentTypeParser(PROTOBUF, { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    scope.post('/v1/traces', { bodyLimit: context.limits.telemetry }, async (request, reply) => {
      const auth = authOf(request);
      const protobuf = String(request.headers['content-type'] ?? '').startsWith(PROTOBUF);
      const decoded = protobuf ? decodeOtlpProtobuf(request.body as Buffer) : request.body;
      const byTrace = new Map<string, SpanRow[]>();
      for (const [index, candidate] of otlpSpans(decoded).entries()) {
        const parsed = Span.safeParse(candidate);
        if (!parsed.success) {
          throw new GatewayError(
            'invalid_request',
            `OTLP export rejected, nothing stored: span ${index} ('${candidate.name}'): ${describeIssues(parsed.error.issues)}`,
          );
        }
        const span = parsed.data;
        const rows = byTrace.get(span.trace_id) ?? [];
        rows.push({
          span_id: span.span_id,
          name: span.name,
          start_time: span.start_time,
          body: JSON.stringify(span),
        });
        byTrace.set(span.trace_id, rows);
      }
      for (const [traceId, spans] of byTrace) {
        await context.store.telemetry.ingestSpans({ teamId: auth.teamId, traceId, spans });
      }
      if (protobuf) return reply.type(PROTOBUF).send(Buffer.alloc(0));
      return reply.type('application/json').send({});
    });
  });
}
