import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '@hud/testing';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { disposeTestGateways, testGateway } from '../testing/app.js';
import { LLM_FAKE_ROUTES, llmTestGateway, PROVIDER_KEYS } from '../testing/llm-gateway.js';

afterEach(disposeTestGateways);

const question = [{ role: 'user' as const, content: 'What is 2+2?' }];
const newTraceId = () => randomBytes(16).toString('hex');
const storm = { status: 429, headers: { 'retry-after': '0' }, message: 'slow down, storm' };

/** Anthropic-style SSE upstream: `cut` decides per request (0-based) whether to break it and where. */
async function sseUpstream(cut: (index: number) => 'before-first-byte' | 'mid-stream' | 'none') {
  let index = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    const mode = cut(index++);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    if (mode === 'before-first-byte') {
      response.flushHeaders();
      setImmediate(() => response.socket?.destroy());
      return;
    }
    const events = [
      {
        type: 'message_start',
        message: {
          id: `msg_${index}`,
          type: 'message',
          role: 'assistant',
          model: 'claude',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 11, output_tokens: 1 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Four' } },
      ...(mode === 'mid-stream'
        ? []
        : [
            { type: 'content_block_stop', index: 0 },
            {
              type: 'message_delta',
              delta: { stop_reason: 'end_turn', stop_sequence: null },
              usage: { output_tokens: 3 },
            },
            { type: 'message_stop' },
          ]),
    ];
    for (const event of events) {
      response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    if (mode === 'mid-stream') setImmediate(() => response.socket?.destroy());
    else response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => index,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function teamOf(setup: Awaited<ReturnType<typeof llmTestGateway>>): Promise<string> {
  return (await setup.gateway.store.keys.ensureTeam('default')).id;
}

describe('LLM fallbacks per model (LlmOptions.fallbacks)', () => {
  it('falls back on a 429 storm to a second upstream; usage is recorded under the model that answered', async () => {
    // gpt-5.6 (provider openai) always answers 429; glm-5.2 (provider z-ai) is another upstream.
    const stormy = await startFakeProvider({ routes: LLM_FAKE_ROUTES, handler: () => storm });
    const second = await startFakeProvider({
      routes: LLM_FAKE_ROUTES,
      turns: [
        { text: 'GLM says 4.', usage: { inputTokens: 30, outputTokens: 7 } },
        { text: 'GLM streams 4.', usage: { inputTokens: 31, outputTokens: 8 } },
      ],
    });
    await using setup = await llmTestGateway([], {
      fake: stormy,
      llm: {
        fallbacks: { 'gpt-5.6': ['glm-5.2'] },
        providers: { 'z-ai': { apiKey: 'sk-zai-provider-secret', baseUrl: `${second.url}/v1` } },
      },
    });
    try {
      const traceId = newTraceId();
      const client = new OpenAI({
        apiKey: setup.gateway.adminKey,
        baseURL: setup.url,
        maxRetries: 0,
        defaultHeaders: { 'Trace-Id': traceId },
      });
      const { data, response } = await client.chat.completions
        .create({ model: 'gpt-5.6', messages: question })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe('GLM says 4.');
      expect(response.headers.get('x-hud-model')).toBe('glm-5.2');
      // The primary got its first attempt and both retries before the fallback was tried.
      expect(stormy.requestsFor('openai-chat')).toHaveLength(3);
      const [fallback] = second.requestsFor('openai-chat');
      expect(fallback?.body).toEqual({ model: 'z-ai/glm-5.2', messages: question });
      expect(fallback?.headers.authorization).toBe('Bearer sk-zai-provider-secret');

      // A stream falls back the same way: nothing had reached the client yet.
      const stream = await client.chat.completions.create({
        model: 'gpt-5.6',
        messages: question,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe('GLM streams 4.');
      expect(stormy.requestsFor('openai-chat')).toHaveLength(6);

      await vi.waitFor(async () => {
        const rows = await setup.gateway.store.usage.traceRequests(await teamOf(setup), traceId);
        expect(rows).toMatchObject([
          { model: 'glm-5.2', upstream_model: 'z-ai/glm-5.2', provider: 'z-ai', input_tokens: 30 },
          { model: 'glm-5.2', streamed: true, complete: true, input_tokens: 31, output_tokens: 8 },
        ]);
      });
      expect(setup.gateway.logs()).toContain('trying the next model');
    } finally {
      await second.close();
    }
  });

  it('tries several fallbacks in order: an unreachable primary, a fallback without a key skipped, then the next', async () => {
    const upstream = await startFakeProvider({
      routes: LLM_FAKE_ROUTES,
      turns: [{ drop: true }, { drop: true }, { drop: true }, { text: 'Third in line.' }],
    });
    await using setup = await llmTestGateway([], {
      fake: upstream,
      llm: {
        // kimi-k2.6's provider (moonshotai) has no key on this gateway: skipped with a log line.
        fallbacks: { 'gpt-5.6': ['kimi-k2.6', 'glm-5.2'] },
        providers: { 'z-ai': { apiKey: 'sk-zai-provider-secret', baseUrl: `${upstream.url}/v1` } },
      },
    });
    const { data, response } = await new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
    }).chat.completions
      .create({ model: 'gpt-5.6', messages: question })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Third in line.');
    expect(response.headers.get('x-hud-model')).toBe('glm-5.2');
    expect(upstream.requestsFor('openai-chat').map((request) => request.body)).toEqual([
      { model: 'gpt-5.6', messages: question },
      { model: 'gpt-5.6', messages: question },
      { model: 'gpt-5.6', messages: question },
      { model: 'z-ai/glm-5.2', messages: question },
    ]);
    expect(setup.gateway.logs()).toContain('fallback model skipped');
    expect(setup.gateway.logs()).toContain('no key for provider moonshotai');
  });

  it('answers the last failure when every model fails, naming the last one tried', async () => {
    await using setup = await llmTestGateway([storm, storm, storm, storm, storm, storm], {
      llm: { fallbacks: { 'claude-opus-4-8': ['claude-sonnet-4-6'] } },
    });
    const failure = await fetch(`${setup.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': setup.gateway.adminKey },
      body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 64, messages: question }),
    });
    expect(failure.status).toBe(429);
    expect(failure.headers.get('x-hud-model')).toBe('claude-sonnet-4-6');
    expect(await failure.text()).toContain('slow down, storm');
    expect(
      setup.fake
        .requestsFor('anthropic-messages')
        .map((request) => (request.body as { model: string }).model),
    ).toEqual([...Array(3).fill('claude-opus-4-8'), ...Array(3).fill('claude-sonnet-4-6')]);
  });

  it('falls back when a stream breaks before its first byte', async () => {
    const upstream = await sseUpstream((index) => (index === 0 ? 'before-first-byte' : 'none'));
    try {
      await using setup = await llmTestGateway([], {
        llm: {
          fallbacks: { 'claude-sonnet-4-6': ['claude-opus-4-8'] },
          providers: { anthropic: { apiKey: PROVIDER_KEYS.anthropic, baseUrl: upstream.url } },
        },
      });
      const client = new Anthropic({
        apiKey: setup.gateway.adminKey,
        baseURL: setup.url,
        maxRetries: 0,
      });
      const { data, response } = await client.messages
        .create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: question, stream: true })
        .withResponse();
      let text = '';
      for await (const event of data) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          text += event.delta.text;
        }
      }
      expect(text).toBe('Four');
      expect(response.headers.get('x-hud-model')).toBe('claude-opus-4-8');
      expect(upstream.requests()).toBe(2);
    } finally {
      await upstream.close();
    }
  });

  it('does not fall back once a stream has started: the client sees the cut, usage stays with the model', async () => {
    const upstream = await sseUpstream(() => 'mid-stream');
    try {
      await using setup = await llmTestGateway([], {
        llm: {
          fallbacks: { 'claude-sonnet-4-6': ['claude-opus-4-8'] },
          providers: { anthropic: { apiKey: PROVIDER_KEYS.anthropic, baseUrl: upstream.url } },
        },
      });
      const traceId = newTraceId();
      const client = new Anthropic({
        apiKey: setup.gateway.adminKey,
        baseURL: setup.url,
        maxRetries: 0,
        defaultHeaders: { 'Trace-Id': traceId },
      });
      const seen: string[] = [];
      const stream = client.messages.stream({
        model: 'claude-sonnet-4-6',
        max_tokens: 64,
        messages: question,
      });
      stream.on('text', (text) => seen.push(text));
      await expect(stream.finalMessage()).rejects.toThrow();
      expect(seen).toEqual(['Four']);
      expect(upstream.requests()).toBe(1);
      await vi.waitFor(async () => {
        const rows = await setup.gateway.store.usage.traceRequests(await teamOf(setup), traceId);
        expect(rows).toMatchObject([
          { model: 'claude-sonnet-4-6', streamed: true, complete: false },
        ]);
      });
      expect(setup.gateway.logs()).not.toContain('trying the next model');
    } finally {
      await upstream.close();
    }
  });

  it('refuses fallbacks outside the catalog or of another wire API when the app is built', async () => {
    await expect(testGateway({ llm: { fallbacks: { 'gpt-5.6': ['gpt-nope'] } } })).rejects.toThrow(
      /fallbacks of gpt-5.6: unknown model "gpt-nope" \(the catalog has claude-sonnet-4-6/,
    );
    await expect(
      testGateway({ llm: { fallbacks: { 'gpt-5.6': ['claude-sonnet-4-6'] } } }),
    ).rejects.toThrow(
      'fallbacks of gpt-5.6: claude-sonnet-4-6 is served by provider anthropic, which does not speak the API of gpt-5.6',
    );
    await expect(testGateway({ llm: { fallbacks: { nope: [] } } })).rejects.toThrow(
      'fallbacks: unknown model "nope"',
    );
  });
});
