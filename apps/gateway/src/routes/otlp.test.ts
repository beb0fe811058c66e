import type { AddressInfo } from 'node:net';
import type { RunRecord } from '@hud/eval';
import { OtelRunExporter, otlpConfig, otlpTraceExporter } from '@hud/eval/otel';
import type { TraceStep } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

const TRACE = 'abcdef0123456789abcdef0123456789';

const record = (traceId: string): RunRecord => ({
  trace_id: traceId,
  job_id: 'f'.repeat(32),
  group_id: 'e'.repeat(32),
  group_index: 0,
  slug: 'count-r',
  task: { env: 'letter-count', id: 'count', args: {}, slug: 'count-r' },
  prompt: 'How many r?',
  bindings: [],
  answer: '3',
  grade: { score: 1 },
  reward: 1,
  isError: false,
  status: 'completed',
  stop_reason: 'done',
  error: null,
  timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
  usage: {
    prompt_tokens: 12,
    completion_tokens: 3,
    cached_tokens: 0,
    cost_usd: null,
    llm_call_count: 1,
  },
  started_at: '2026-01-01T00:00:00.000000Z',
  ended_at: '2026-01-01T00:00:02.000000Z',
});

const steps: TraceStep[] = [
  {
    step_id: 1,
    source: 'agent',
    content: '3',
    model: 'm',
    usage: { prompt_tokens: 12, completion_tokens: 3 },
    started_at: '2026-01-01T00:00:00.500000Z',
    ended_at: '2026-01-01T00:00:01.250000Z',
  },
];

/** Sends one run's spans to the listening gateway with the real OTLP exporter over `protocol`. */
async function exportTo(url: string, key: string, protocol: string, traceId: string) {
  const config = otlpConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${key}`,
    OTEL_SERVICE_NAME: 'other-agent',
  });
  const otel = new OtelRunExporter({
    exporter: otlpTraceExporter(config),
    serviceName: 'other-agent',
  });
  otel.exportRun(record(traceId), steps, { name: 'claude', model: 'm' });
  await otel.shutdown();
}

async function listening(): Promise<string> {
  gateway = await testGateway();
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
}

describe('POST /v1/traces (OTLP/HTTP)', () => {
  for (const protocol of ['http/protobuf', 'http/json']) {
    it(`stores the spans an OTel exporter sends over ${protocol}, readable as the trace's spans`, async () => {
      const url = await listening();
      const traceId = protocol === 'http/json' ? TRACE : TRACE.replace('a', 'b');
      await exportTo(url, gateway.adminKey, protocol, traceId);
      const stored = await gateway.call('GET', `/v2/trace/${traceId}/spans`);
      expect(stored.status).toBe(200);
      const spans = stored.body.spans as Record<string, unknown>[];
      expect(spans.map((span) => span.name)).toEqual(['invoke_agent claude', 'chat m']);
      const [root, chat] = spans as [Record<string, unknown>, Record<string, unknown>];
      expect(root).toMatchObject({
        trace_id: traceId,
        parent_span_id: null,
        kind: 'INTERNAL',
        start_time: '2026-01-01T00:00:00.000000Z',
        end_time: '2026-01-01T00:00:02.000000Z',
        status_code: 'UNSET',
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.usage.input_tokens': 12,
          'hud.reward': 1,
          'otel.resource.service.name': 'other-agent',
          'otel.scope.name': '@hud/eval',
        },
        events: [
          {
            name: 'gen_ai.evaluation.result',
            timestamp: '2026-01-01T00:00:02.000000Z',
            attributes: {
              'gen_ai.evaluation.score.value': 1,
              'gen_ai.evaluation.score.label': 'pass',
            },
          },
        ],
      });
      expect(chat).toMatchObject({
        parent_span_id: root.span_id,
        kind: 'CLIENT',
        start_time: '2026-01-01T00:00:00.500000Z',
        end_time: '2026-01-01T00:00:01.250000Z',
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 3 },
      });
    });
  }

  it('needs a key, and names a malformed body', async () => {
    gateway = await testGateway();
    const anonymous = await gateway.call('POST', '/v1/traces', {
      key: null,
      body: { resourceSpans: [] },
    });
    expect(anonymous.status).toBe(401);
    const wrong = await gateway.call('POST', '/v1/traces', { body: { spans: [] } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toBe('OTLP body: expected {"resourceSpans": [...]}');
    const junk = await gateway.call('POST', '/v1/traces', {
      body: 'not protobuf at all',
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(junk.status).toBe(400);
    expect(junk.body.error.message).toMatch(
      /^OTLP body is not a protobuf ExportTraceServiceRequest/,
    );
    const badId = await gateway.call('POST', '/v1/traces', {
      body: {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: 'zz',
                    spanId: '0011223344556677',
                    name: 'x',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(
      /span 0 \('x'\): trace_id: expected 32 hexadecimal characters/,
    );
  });
});
