import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateAtif } from '@hud/harbor/results';
import type { FakeTurn } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LETTER_COUNT, readRunLines } from './support/eval-harness.js';
import {
  cleanEnv,
  cleanUpModelRuns,
  evalModel,
  fakeModel,
  modelScratch,
} from './support/model-agents.js';
import { letterCountOf } from './support/model-scripts.js';
import { runHud } from './support/run-hud.js';

// `hud eval --otel` end to end: the real CLI, the openai_compatible agent against a fake Chat Completions
// server (one tool call, then the answer), spans leaving through the OpenTelemetry JS OTLP/HTTP exporter to a
// local receiver on 127.0.0.1 that decodes the OTLP JSON; the same run then exported as ATIF.

cleanUpModelRuns();

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
  events?: { name: string; attributes: OtlpAttribute[] }[];
}

const attribute = (attributes: readonly OtlpAttribute[], key: string): unknown => {
  const value = attributes.find((entry) => entry.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A local OTLP/HTTP JSON receiver: every span it got, and the headers of each request. */
async function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const headers: Record<string, string | string[] | undefined>[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    request.on('end', () => {
      headers.push(request.headers);
      const body = JSON.parse(text);
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, headers };
}

// biome-ignore lint/suspicious/noExplicitAny: Chat Completions request bodies are arbitrary JSON
type ChatBody = any;

describe('hud eval --otel', () => {
  it('sends each rollout to an OTLP receiver as GenAI spans, and the same run exports as valid ATIF', async () => {
    const receiver = await otlpReceiver();
    const fake = await fakeModel((body: ChatBody): FakeTurn => {
      const messages = body.messages ?? [];
      const prompt = messages.find((message: ChatBody) => message.role === 'user')?.content;
      const text =
        typeof prompt === 'string' ? prompt : (prompt ?? []).map((p: ChatBody) => p.text).join('');
      const turn = messages.filter((message: ChatBody) => message.role === 'assistant').length;
      return turn === 0
        ? { toolCalls: [{ id: 'call_1', name: 'bash', arguments: { command: 'echo hi' } }] }
        : { text: letterCountOf(text)?.answer ?? '0', usage: { inputTokens: 40, outputTokens: 2 } };
    });
    const { run, store, jobId } = await evalModel(
      'openai_compatible',
      LETTER_COUNT,
      ['--model', 'Qwen/Qwen3-8B', '--otel'],
      {
        env: {
          OPENAI_COMPATIBLE_BASE_URL: `${fake.url}/v1`,
          OPENAI_COMPATIBLE_API_KEY: 'test',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-otlp-key=k1',
        },
      },
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(
      `OpenTelemetry: spans of each rollout to ${receiver.url}/v1/traces (http/json)`,
    );
    const [record] = readRunLines(store, jobId);
    const traceId = record?.trace_id as string;

    const names = receiver.spans.map((span) => span.name);
    expect(names).toContain('invoke_agent openai_compatible');
    expect(names.filter((name) => name === 'chat Qwen/Qwen3-8B')).toHaveLength(2);
    expect(names).toContain('execute_tool bash');
    const root = receiver.spans.find((span) => span.name.startsWith('invoke_agent')) as OtlpSpan;
    expect(root.traceId).toBe(traceId);
    expect(attribute(root.attributes, 'gen_ai.operation.name')).toBe('invoke_agent');
    expect(attribute(root.attributes, 'gen_ai.request.model')).toBe('Qwen/Qwen3-8B');
    expect(attribute(root.attributes, 'hud.trace_id')).toBe(traceId);
    expect(attribute(root.attributes, 'hud.job_id')).toBe(jobId);
    const evaluation = root.events?.find((event) => event.name === 'gen_ai.evaluation.result');
    expect(attribute(evaluation?.attributes ?? [], 'gen_ai.evaluation.score.value')).toBe(1);
    const chats = receiver.spans.filter((span) => span.name.startsWith('chat '));
    for (const chat of chats) {
      expect(chat.parentSpanId).toBe(root.spanId);
      expect(attribute(chat.attributes, 'gen_ai.operation.name')).toBe('chat');
    }
    expect(
      chats.map((chat) => Number(attribute(chat.attributes, 'gen_ai.usage.input_tokens'))),
    ).toContain(40);
    const tool = receiver.spans.find((span) => span.name === 'execute_tool bash') as OtlpSpan;
    expect(attribute(tool.attributes, 'gen_ai.tool.call.id')).toBe('call_1');
    expect(receiver.headers[0]?.['x-otlp-key']).toBe('k1');

    const atif = await runHud(['trace', traceId, '--format', 'atif', '--store', store], {
      cwd: modelScratch('otel-atif'),
      timeoutMs: 60_000,
      env: cleanEnv(),
    });
    expect(atif.code, atif.stderr).toBe(0);
    const trajectory = JSON.parse(atif.stdout);
    expect(validateAtif(trajectory)).toEqual({ ok: true });
    expect(
      trajectory.steps.find((step: { tool_calls?: unknown[] }) => step.tool_calls)?.tool_calls,
    ).toEqual([
      { tool_call_id: 'call_1', function_name: 'bash', arguments: { command: 'echo hi' } },
    ]);
  });

  it('exports nothing without --otel or an OTLP endpoint, and nothing with --no-otel', async () => {
    const receiver = await otlpReceiver();
    const fake = await fakeModel((): FakeTurn => ({ text: '3' }));
    const env = {
      OPENAI_COMPATIBLE_BASE_URL: `${fake.url}/v1`,
      OPENAI_COMPATIBLE_API_KEY: 'test',
    };
    const plain = await evalModel('openai_compatible', LETTER_COUNT, ['--model', 'm'], { env });
    expect(plain.run.code, plain.run.stderr).toBe(0);
    expect(plain.run.stdout).not.toContain('OpenTelemetry');
    const off = await evalModel('openai_compatible', LETTER_COUNT, ['--model', 'm', '--no-otel'], {
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    expect(off.run.code, off.run.stderr).toBe(0);
    expect(receiver.spans).toHaveLength(0);
    // A collector that refuses the spans: one warning, and the eval still succeeds.
    const refusing = createServer((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    closers.push(() => refusing.close());
    const refused = await evalModel('openai_compatible', LETTER_COUNT, ['--model', 'm', '--otel'], {
      env: {
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
    });
    expect(refused.run.code, refused.run.stderr).toBe(0);
    expect(refused.run.stderr).toMatch(
      /warning: OpenTelemetry: \d+ spans? not delivered to http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(Bad Request\)/,
    );
    const bad = await evalModel('openai_compatible', LETTER_COUNT, ['--model', 'm', '--otel'], {
      env: { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    });
    expect(bad.run.code).not.toBe(0);
    expect(bad.run.stderr).toContain("OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' is not supported");
  });
});
