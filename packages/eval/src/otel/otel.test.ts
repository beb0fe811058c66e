import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TraceStep } from '@hud/protocol';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../run-record.js';
import { otlpConfig, otlpTraceExporter } from './otlp-config.js';
import { OtelRunExporter } from './run-exporter.js';

const TRACE = '0123456789abcdef0123456789abcdef';

const record: RunRecord = {
  trace_id: TRACE,
  job_id: 'f'.repeat(32),
  group_id: 'e'.repeat(32),
  group_index: 1,
  slug: 'count-r',
  task: { env: 'letter-count', id: 'count', args: {}, slug: 'count-r' },
  prompt: 'How many r?',
  bindings: [],
  answer: '3',
  grade: {
    score: 0.5,
    content: 'half right',
    subscores: [{ name: 'exact', value: 0.5, weight: 1 }],
  },
  reward: 0.5,
  isError: false,
  status: 'completed',
  stop_reason: 'done',
  error: null,
  timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
  usage: {
    prompt_tokens: 30,
    completion_tokens: 9,
    cached_tokens: 4,
    cost_usd: 0.01,
    llm_call_count: 2,
  },
  started_at: '2026-01-01T00:00:00.000000Z',
  ended_at: '2026-01-01T00:00:05.000000Z',
};

const steps: TraceStep[] = [
  {
    step_id: 1,
    source: 'agent',
    content: '',
    tool_calls: [{ id: 'call_1', name: 'bash', arguments: { command: 'echo secret-arg' } }],
    model: 'Qwen/Qwen3-8B',
    finish_reason: 'tool_calls',
    usage: { prompt_tokens: 10, completion_tokens: 4, cached_tokens: 4 },
    started_at: '2026-01-01T00:00:01.000000Z',
    ended_at: '2026-01-01T00:00:02.000000Z',
  },
  {
    step_id: 2,
    source: 'tool',
    call: { id: 'call_1', name: 'bash', arguments: { command: 'echo secret-arg' } },
    result: { content: [{ type: 'text', text: 'boom' }], isError: true },
    started_at: '2026-01-01T00:00:02.000000Z',
    ended_at: '2026-01-01T00:00:03.000000Z',
  },
  {
    step_id: 3,
    source: 'agent',
    content: '3',
    model: 'Qwen/Qwen3-8B',
    finish_reason: 'stop',
    usage: { prompt_tokens: 20, completion_tokens: 5 },
    started_at: '2026-01-01T00:00:03.000000Z',
    ended_at: '2026-01-01T00:00:04.000000Z',
  },
];

const agent = { name: 'openai_compatible', model: 'Qwen/Qwen3-8B' };

describe('OtelRunExporter (in-memory exporter)', () => {
  it('writes an invoke_agent root, chat and execute_tool children, and the grade as an evaluation event', async () => {
    const memory = new InMemorySpanExporter();
    const otel = new OtelRunExporter({ exporter: memory, simple: true });
    otel.exportRun(record, steps, agent);
    await otel.flush();
    const spans = memory.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual([
      'chat Qwen/Qwen3-8B',
      'execute_tool bash',
      'chat Qwen/Qwen3-8B',
      'invoke_agent openai_compatible',
    ]);
    const root = spans[3];
    expect(spans.every((span) => span.spanContext().traceId === TRACE)).toBe(true);
    expect(root?.parentSpanContext).toBeUndefined();
    for (const child of spans.slice(0, 3)) {
      expect(child.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    }
    expect(root?.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'openai_compatible',
      'gen_ai.request.model': 'Qwen/Qwen3-8B',
      'gen_ai.conversation.id': TRACE,
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 9,
      'hud.trace_id': TRACE,
      'hud.task.slug': 'count-r',
      'hud.group_index': 1,
      'hud.reward': 0.5,
    });
    expect(root?.events).toHaveLength(1);
    expect(root?.events[0]).toMatchObject({
      name: 'gen_ai.evaluation.result',
      attributes: {
        'gen_ai.evaluation.name': 'hud.grade',
        'gen_ai.evaluation.score.value': 0.5,
        'gen_ai.evaluation.score.label': 'partial',
        'gen_ai.evaluation.explanation': 'half right',
        'hud.grade.subscores': '[{"name":"exact","value":0.5,"weight":1}]',
      },
    });
    expect(spans[0]?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 4,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.response.finish_reasons': ['tool_calls'],
    });
    expect(spans[1]?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'bash',
      'gen_ai.tool.call.id': 'call_1',
      'error.type': 'tool_error',
    });
    expect(spans[1]?.status.code).toBe(2); // ERROR
    // Times come from the steps, not from when the spans were recorded.
    expect(spans[0]?.startTime).toEqual([Date.parse(steps[0]?.started_at as string) / 1000, 0]);
    // No prompt, completion or tool argument text leaves.
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain('secret-arg');
    await otel.shutdown();
  });
});

interface Received {
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A local OTLP/HTTP receiver on 127.0.0.1 answering 200 `{}` and keeping every request. */
async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url, headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, {
        'content-type': request.headers['content-type'] ?? 'application/json',
      });
      response.end(request.headers['content-type'] === 'application/json' ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('OTLP/HTTP export to a local receiver', () => {
  it('sends OTLP JSON with the GenAI attributes, the standard headers and the service name', async () => {
    const { url, received } = await receiver();
    const config = otlpConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k%201,x-team=t',
      OTEL_SERVICE_NAME: 'evals',
    });
    const otel = new OtelRunExporter({
      exporter: otlpTraceExporter(config),
      serviceName: config.serviceName,
    });
    otel.exportRun(record, steps, agent);
    await otel.shutdown();
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.path).toBe('/v1/traces');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-api-key']).toBe('k 1');
    const body = JSON.parse(request.body.toString('utf8'));
    const resource = body.resourceSpans[0].resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'evals' } });
    const spans = body.resourceSpans[0].scopeSpans[0].spans;
    expect(spans.map((span: { name: string }) => span.name)).toContain(
      'invoke_agent openai_compatible',
    );
    const root = spans.find((span: { name: string }) => span.name.startsWith('invoke_agent'));
    expect(root.traceId).toBe(TRACE);
    expect(root.attributes).toContainEqual({
      key: 'gen_ai.operation.name',
      value: { stringValue: 'invoke_agent' },
    });
    expect(root.events[0].name).toBe('gen_ai.evaluation.result');
  });

  it('sends protobuf by default, to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given', async () => {
    const { url, received } = await receiver();
    const config = otlpConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/custom/traces` });
    expect(config.protocol).toBe('http/protobuf');
    const otel = new OtelRunExporter({ exporter: otlpTraceExporter(config) });
    otel.exportRun(record, steps, agent);
    await otel.shutdown();
    expect(received[0]?.path).toBe('/custom/traces');
    expect(received[0]?.headers['content-type']).toBe('application/x-protobuf');
    // The trace id travels as 16 raw bytes inside the protobuf body.
    expect(received[0]?.body.includes(Buffer.from(TRACE, 'hex'))).toBe(true);
  });
});

describe('undelivered spans', () => {
  it('counts the spans a receiver refused, with its error', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"message":"bad"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = otlpConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    const otel = new OtelRunExporter({ exporter: otlpTraceExporter(config) });
    expect(otel.undelivered()).toEqual({ spans: 0, error: undefined });
    otel.exportRun(record, steps, agent);
    await otel.shutdown();
    expect(otel.undelivered().spans).toBe(4);
    expect(otel.undelivered().error).toBe('Bad Request');
  });
});

describe('otlpConfig', () => {
  it('defaults to localhost:4318 over protobuf and names a bad variable', () => {
    expect(otlpConfig({})).toMatchObject({
      url: 'http://localhost:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'hud',
    });
    expect(() => otlpConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      "OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' is not supported",
    );
    expect(() => otlpConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toThrow(
      "OTEL_EXPORTER_OTLP_HEADERS: 'novalue' is not key=value",
    );
    expect(() => otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x' })).toThrow(
      "OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x/v1/traces' is not an http(s) URL",
    );
    expect(() => otlpConfig({ OTEL_EXPORTER_OTLP_TIMEOUT: '-1' })).toThrow(
      "OTEL_EXPORTER_OTLP_TIMEOUT: '-1' is not a positive number of ms",
    );
  });
});
