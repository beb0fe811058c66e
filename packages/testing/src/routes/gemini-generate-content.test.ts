import { describe, expect, it, onTestFinished } from 'vitest';
import { postTo, thinkAndCall } from '../__fixtures__/post-route.js';
import { startFakeProvider } from '../fake-provider.js';
import type { FakeTurn } from '../turns.js';
import { geminiGenerateContentRoute } from './gemini-generate-content.js';

const post = (turns: FakeTurn[], model = 'gemini-test', body: unknown = { contents: [] }) =>
  postTo(geminiGenerateContentRoute, turns, `/v1beta/models/${model}:generateContent`, body, {
    'x-goog-api-key': 'k',
  });

describe('gemini-generate-content route', () => {
  it('renders thought, text and function calls as parts of one candidate, model from the path', async () => {
    const { fake, json } = await post([thinkAndCall('{"a":2}')], 'gemini-2.5-flash', {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    });
    expect(json).toEqual({
      candidates: [
        {
          index: 0,
          finishReason: 'STOP',
          content: {
            role: 'model',
            parts: [
              { text: 'think', thought: true, thoughtSignature: 'fake-signature-0' },
              { text: 'calling' },
              { functionCall: { name: 'add', args: { a: 1 } } },
              { functionCall: { id: 'mine', name: 'add', args: { a: 2 } } },
            ],
          },
        },
      ],
      usageMetadata: {
        promptTokenCount: 30,
        candidatesTokenCount: 4,
        cachedContentTokenCount: 12,
        totalTokenCount: 34,
      },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'fake-response-0',
    });
    const [request] = fake.requestsFor('gemini-generate-content');
    expect(request?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(request?.headers['x-goog-api-key']).toBe('k');
    expect(request?.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('renders a plain answer with default usage, the signature on its text part', async () => {
    const { json } = await post([{ text: 'Four.', model: 'gemini-3-pro-preview-11-2025' }]);
    expect(json.candidates).toEqual([
      {
        index: 0,
        finishReason: 'STOP',
        content: {
          role: 'model',
          parts: [{ text: 'Four.', thoughtSignature: 'fake-signature-0' }],
        },
      },
    ]);
    expect(json.usageMetadata).toEqual({
      promptTokenCount: 10,
      candidatesTokenCount: 5,
      totalTokenCount: 15,
    });
    expect(json.modelVersion).toBe('gemini-3-pro-preview-11-2025');
  });

  it('spells a length stop MAX_TOKENS and passes other finish reasons through', async () => {
    const cut = await post([{ text: 'partial', finishReason: 'length' }]);
    expect((cut.json.candidates as { finishReason: string }[])[0]?.finishReason).toBe('MAX_TOKENS');
    const safety = await post([{ text: '', finishReason: 'SAFETY' }]);
    expect((safety.json.candidates as unknown[])[0]).toEqual({
      index: 0,
      finishReason: 'SAFETY',
      content: { role: 'model', parts: [] },
    });
  });

  it('reports a call with malformed arguments as MALFORMED_FUNCTION_CALL without parts', async () => {
    const { json } = await post([
      { toolCalls: [{ name: 'kv_set', arguments: '{"key": "a", "val' }] },
    ]);
    expect(json.candidates).toEqual([
      {
        index: 0,
        finishReason: 'MALFORMED_FUNCTION_CALL',
        finishMessage: 'Malformed function call: print(default_api.kv_set({"key": "a", "val))',
        content: {},
      },
    ]);
  });

  it("answers errors in Google's envelope, with scripted headers and bodies", async () => {
    const limited = await post([
      { status: 429, message: 'slow down', headers: { 'retry-after': '2' } },
    ]);
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get('retry-after')).toBe('2');
    expect(limited.json).toEqual({
      error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' },
    });
    const retryInfo = {
      error: {
        code: 503,
        message: 'overloaded',
        status: 'UNAVAILABLE',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' }],
      },
    };
    const unavailable = await post([{ status: 503, body: retryInfo }]);
    expect(unavailable.json).toEqual(retryInfo);
    const teapot = await post([{ status: 418 }]);
    expect(teapot.json).toEqual({
      error: { code: 418, message: 'fake provider error', status: 'UNKNOWN' },
    });
  });

  it('is served by default, next to the other providers', async () => {
    const fake = await startFakeProvider({ turns: [{ text: 'hello' }] });
    onTestFinished(() => fake.close());
    const response = await fetch(`${fake.url}/v1beta/models/gemini-3-pro-preview:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"contents":[]}',
    });
    expect(response.status).toBe(200);
    expect(fake.requests[0]?.route).toBe('gemini-generate-content');
  });
});
