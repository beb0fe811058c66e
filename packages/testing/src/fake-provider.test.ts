import { describe, expect, it } from 'vitest';
import { startFakeProvider } from './fake-provider.js';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON envelopes
  const json: any = await response.json();
  return { status: response.status, headers: response.headers, json };
}

describe('FakeProvider: OpenAI chat completions', () => {
  it('answers a text turn in the chat.completion envelope and records the request', async () => {
    await using fake = await startFakeProvider({ turns: [{ text: 'The answer is 4.' }] });
    const body = { model: 'gpt-test', messages: [{ role: 'user', content: 'What is 2+2?' }] };
    const response = await post(`${fake.url}/v1/chat/completions`, body, {
      authorization: 'Bearer sk-test',
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: { role: 'assistant', content: 'The answer is 4.' },
        },
      ],
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      index: 0,
      method: 'POST',
      path: '/v1/chat/completions',
      body,
      route: 'openai-chat',
    });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(fake.pendingTurns).toBe(0);
  });

  it('renders tool calls with JSON-encoded arguments', async () => {
    await using fake = await startFakeProvider({
      turns: [
        {
          toolCalls: [
            { name: 'add', arguments: { a: 2, b: 2 } },
            { id: 'c9', name: 'noop', arguments: '{}' },
          ],
        },
      ],
    });
    const { json } = await post(`${fake.url}/v1/chat/completions`, { model: 'm', messages: [] });
    const choice = json.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: 'call_0_0', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } },
      { id: 'c9', type: 'function', function: { name: 'noop', arguments: '{}' } },
    ]);
  });

  it('answers error turns with status, headers and the OpenAI error envelope', async () => {
    await using fake = await startFakeProvider({
      turns: [
        { status: 429, headers: { 'retry-after': '7' }, message: 'slow down' },
        { status: 503, body: { custom: true } },
      ],
    });
    const first = await post(`${fake.url}/v1/chat/completions`, {});
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.json).toEqual({
      error: { message: 'slow down', type: 'rate_limit_exceeded', code: null, param: null },
    });
    const second = await post(`${fake.url}/v1/chat/completions`, {});
    expect(second.status).toBe(503);
    expect(second.json).toEqual({ custom: true });
  });

  it('answers from a handler given the parsed body', async () => {
    await using fake = await startFakeProvider({
      handler: (body) => ({ text: `echo ${(body as { model: string }).model}` }),
    });
    const { json } = await post(`${fake.url}/v1/chat/completions`, { model: 'alpha' });
    expect(json.choices[0].message.content).toBe('echo alpha');
    const again = await post(`${fake.url}/v1/chat/completions`, { model: 'beta' });
    expect(again.json.choices[0].message.content).toBe('echo beta');
  });

  it('fails loudly when the script is exhausted', async () => {
    await using fake = await startFakeProvider({ turns: [] });
    const response = await post(`${fake.url}/v1/chat/completions`, { model: 'm' });
    expect(response.status).toBe(500);
    expect(response.json.error.message).toMatch(/no scripted turn left/);
    fake.push({ text: 'late' });
    const next = await post(`${fake.url}/v1/chat/completions`, { model: 'm' });
    expect(next.json.choices[0].message.content).toBe('late');
  });

  it('records unknown paths (404) and non-JSON bodies', async () => {
    await using fake = await startFakeProvider({ turns: [{ text: 'ok' }] });
    const missing = await post(`${fake.url}/v1/nope`, { x: 1 });
    expect(missing.status).toBe(404);
    await post(`${fake.url}/v1/chat/completions`, 'not json {');
    expect(fake.requests.map((request) => [request.route, request.body])).toEqual([
      [null, { x: 1 }],
      ['openai-chat', 'not json {'],
    ]);
    expect(fake.requestsFor('openai-chat')).toHaveLength(1);
  });

  it('stops listening on close', async () => {
    const fake = await startFakeProvider();
    await fake.close();
    await expect(fetch(`${fake.url}/v1/chat/completions`, { method: 'POST' })).rejects.toThrow();
  });
});

describe('FakeProvider: route registration', () => {
  it('serves routes added with registerFakeRoute, with params, raw replies, usage and drops', async () => {
    const { registerFakeRoute } = await import('./fake-provider.js');
    const { rawReply } = await import('./provider-route.js');
    const unregister = registerFakeRoute({
      name: 'echo',
      method: 'POST',
      url: '/v9/models/:model/echo',
      render(turn, { params, request }) {
        if ('text' in turn && turn.text === 'raw') return rawReply('data: hi\n\n');
        return {
          model: params.model,
          text: turn.text,
          usage: turn.usage,
          auth: request.headers.authorization,
        };
      },
      errorBody: (status, message) => ({ status, message }),
    });
    try {
      await using fake = await startFakeProvider({
        turns: [{ text: 'one', usage: { inputTokens: 3 } }, { text: 'raw' }, { drop: true }],
      });
      const first = await post(`${fake.url}/v9/models/m1/echo`, {}, { authorization: 'k' });
      expect(first.json).toEqual({
        model: 'm1',
        text: 'one',
        usage: { inputTokens: 3 },
        auth: 'k',
      });
      const second = await fetch(`${fake.url}/v9/models/m1/echo`, { method: 'POST', body: '{}' });
      expect(second.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await second.text()).toBe('data: hi\n\n');
      await expect(post(`${fake.url}/v9/models/m1/echo`, {})).rejects.toThrow();
      expect(fake.bodiesFor('echo')).toHaveLength(3);
    } finally {
      unregister();
    }
    await using later = await startFakeProvider({ turns: [] });
    expect((await post(`${later.url}/v9/models/m1/echo`, {})).status).toBe(404);
  });
});
