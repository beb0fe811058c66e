import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { costOf, priceOfModel } from '../llm/prices.js';
import { llmTestGateway, PROVIDER_KEYS } from '../testing/llm-gateway.js';

const newTraceId = () => randomBytes(16).toString('hex');
const question = [{ role: 'user' as const, content: 'What is 2+2?' }];

async function teamOf(setup: Awaited<ReturnType<typeof llmTestGateway>>): Promise<string> {
  return (await setup.gateway.store.keys.ensureTeam('default')).id;
}

describe('the LLM gateway, called with the official SDKs (gateway on 127.0.0.1, fake provider upstream)', () => {
  it('OpenAI Chat Completions: create and a stream, provider key upstream, usage per trace', async () => {
    await using setup = await llmTestGateway([
      {
        text: 'The answer is 4.',
        usage: { inputTokens: 1000, outputTokens: 200, cachedTokens: 400 },
      },
      { text: 'Hello there', usage: { inputTokens: 10, outputTokens: 5 } },
    ]);
    const traceId = newTraceId();
    // As @hud/agents builds it: the bare gateway URL (no /v1), the HUD key, a Trace-Id header.
    const client = new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
      defaultHeaders: { 'Trace-Id': traceId },
    });
    const completion = await client.chat.completions.create({
      model: 'gpt-5.6',
      messages: question,
    });
    expect(completion.choices[0]?.message.content).toBe('The answer is 4.');
    const stream = await client.chat.completions.create({
      model: 'gpt-5.6',
      messages: question,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello there');

    const upstream = setup.fake.requestsFor('openai-chat');
    expect(upstream.map((request) => request.path)).toEqual([
      '/v1/chat/completions',
      '/v1/chat/completions',
    ]);
    expect(upstream[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEYS.openai}`);
    expect(upstream[0]?.headers['trace-id']).toBeUndefined();
    expect(upstream[0]?.body).toEqual({ model: 'gpt-5.6', messages: question });
    // Both calls' tokens at @hud/agents' list price of the model (null while it has none: unknown cost).
    const expected = costOf(
      { inputTokens: 1010, outputTokens: 205, cachedTokens: 400 },
      priceOfModel('gpt-5.6', 'gpt-5.6'),
    );
    await vi.waitFor(async () => {
      const totals = await setup.gateway.store.usage.traceUsage(await teamOf(setup), traceId);
      expect(totals).toMatchObject({
        requests: 2,
        input_tokens: 1010,
        output_tokens: 205,
        cached_tokens: 400,
      });
      // An unpriced model's requests are counted apart, never as free.
      expect(totals.unpriced_requests).toBe(expected === null ? 2 : 0);
      expect(totals.cost_usd).toBeCloseTo(expected ?? 0, 12);
    });
  });

  it('OpenAI Responses at /v1: create and a stream', async () => {
    await using setup = await llmTestGateway([{ text: 'Four.' }, { text: 'Streamed four.' }]);
    const client = new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: `${setup.url}/v1`,
      maxRetries: 0,
    });
    const response = await client.responses.create({ model: 'gpt-5.5', input: 'What is 2+2?' });
    expect(response.output_text).toBe('Four.');
    const events = await client.responses.create({
      model: 'gpt-5.5',
      input: 'again',
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    for await (const event of events) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Streamed four.');
    expect(types.at(-1)).toBe('response.completed');
    expect(setup.fake.bodiesFor('openai-responses')).toMatchObject([
      { model: 'gpt-5.5', input: 'What is 2+2?' },
      { model: 'gpt-5.5', input: 'again', stream: true },
    ]);
  });

  it('Anthropic Messages: create and messages.stream().finalMessage()', async () => {
    await using setup = await llmTestGateway([
      { text: 'The answer is 4.', usage: { inputTokens: 12, outputTokens: 6, cachedTokens: 3 } },
      {
        toolCalls: [{ id: 'toolu_1', name: 'add', arguments: { a: 2, b: 2 } }],
        usage: { inputTokens: 20, outputTokens: 7 },
      },
    ]);
    const traceId = newTraceId();
    const client = new Anthropic({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
      defaultHeaders: { 'Trace-Id': traceId },
    });
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      messages: question,
    });
    expect(message.content).toEqual([{ type: 'text', text: 'The answer is 4.', citations: null }]);
    const final = await client.messages
      .stream({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: question })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toMatchObject([
      { type: 'tool_use', id: 'toolu_1', name: 'add', input: { a: 2, b: 2 } },
    ]);
    const upstream = setup.fake.requestsFor('anthropic-messages');
    expect(upstream[0]?.headers['x-api-key']).toBe(PROVIDER_KEYS.anthropic);
    expect(upstream[0]?.headers.authorization).toBeUndefined();
    expect(upstream[0]?.headers['anthropic-version']).toEqual(expect.any(String));
    await vi.waitFor(async () => {
      expect(
        await setup.gateway.store.usage.traceUsage(await teamOf(setup), traceId),
      ).toMatchObject({
        requests: 2,
        input_tokens: 12 + 3 + 20,
        output_tokens: 13,
        cached_tokens: 3,
      });
    });
  });

  it('Gemini generateContent and generateContentStream with the HUD key in x-goog-api-key', async () => {
    await using setup = await llmTestGateway([
      { text: 'The answer is 4.', usage: { inputTokens: 8, outputTokens: 4 } },
      { text: 'Streamed answer', usage: { inputTokens: 9, outputTokens: 3 } },
    ]);
    const traceId = newTraceId();
    const httpOptions = { baseUrl: setup.url, headers: { 'Trace-Id': traceId } };
    // The SDK's default API version (v1) for one call, v1beta (as @hud/agents and hud-python) for the other.
    const ai = new GoogleGenAI({ apiKey: setup.gateway.adminKey, httpOptions });
    const contents = [{ role: 'user', parts: [{ text: 'What is 2+2?' }] }];
    const result = await ai.models.generateContent({ model: 'gemini-3.1-pro-preview', contents });
    expect(result.text).toBe('The answer is 4.');
    const beta = new GoogleGenAI({
      apiKey: setup.gateway.adminKey,
      apiVersion: 'v1beta',
      httpOptions,
    });
    let text = '';
    for await (const chunk of await beta.models.generateContentStream({
      model: 'gemini-3.1-pro-preview',
      contents,
    })) {
      text += chunk.text ?? '';
    }
    expect(text).toBe('Streamed answer');
    const upstream = [
      ...setup.fake.requestsFor('gemini-v1-generate-content'),
      ...setup.fake.requestsFor('gemini-stream-generate-content'),
    ];
    expect(upstream.map((request) => request.path)).toEqual([
      '/v1/models/gemini-3.1-pro-preview:generateContent',
      '/v1beta/models/gemini-3.1-pro-preview:streamGenerateContent?alt=sse',
    ]);
    expect(upstream[0]?.headers['x-goog-api-key']).toBe(PROVIDER_KEYS.gemini);
    expect(upstream[0]?.body).toMatchObject({ contents });
    await vi.waitFor(async () => {
      expect(
        await setup.gateway.store.usage.traceUsage(await teamOf(setup), traceId),
      ).toMatchObject({
        requests: 2,
        input_tokens: 17,
        output_tokens: 7,
      });
    });
  });

  it('GET /v1/models lists the catalog for OpenAI and Anthropic clients', async () => {
    await using setup = await llmTestGateway();
    const openai = new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: `${setup.url}/v1`,
      maxRetries: 0,
    });
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining(['claude-sonnet-4-6', 'gpt-5.6', 'gemini-3.1-pro-preview']),
    );
    const anthropic = new Anthropic({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
    });
    const page = await anthropic.models.list();
    expect(page.data.map((model) => model.id)).toContain('claude-opus-4-8');
  });
});
