import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '@hud/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { LLM_FAKE_ROUTES, llmTestGateway, PROVIDER_KEYS } from '../testing/llm-gateway.js';

const question = [{ role: 'user' as const, content: 'What is 2+2?' }];

/** An Anthropic-style upstream that sends the first events of a stream, then drops the connection. */
async function cuttingUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const start = {
      type: 'message_start',
      message: {
        id: 'msg_cut',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 11, output_tokens: 1 },
      },
    };
    const block = {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    };
    const delta = {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'The ans' },
    };
    for (const event of [start, block, delta]) {
      response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    setImmediate(() => response.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the LLM gateway under faults', () => {
  it('retries a 429 storm, then passes the 429 and its message on; a storm that clears succeeds', async () => {
    const storm = { status: 429, headers: { 'retry-after': '0' }, message: 'slow down, storm' };
    await using setup = await llmTestGateway([
      storm,
      storm,
      storm,
      storm,
      storm,
      { text: 'Through.' },
    ]);
    const client = new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
    });
    const failure = await client.chat.completions
      .create({ model: 'gpt-5.6', messages: question })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.RateLimitError>).message).toContain(
      'slow down, storm',
    );
    expect(
      (failure as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'),
    ).toBe('0');
    expect(setup.fake.requestsFor('openai-chat')).toHaveLength(3); // the first attempt and 2 retries
    const cleared = await client.chat.completions.create({ model: 'gpt-5.6', messages: question });
    expect(cleared.choices[0]?.message.content).toBe('Through.');
    expect(setup.fake.requestsFor('openai-chat')).toHaveLength(6);
    expect(setup.gateway.logs()).toContain('retrying the provider');
  });

  it('does not wait out a retry-after beyond its limit: the 429 goes back at once', async () => {
    await using setup = await llmTestGateway([
      { status: 429, headers: { 'retry-after': '3600' }, message: 'come back in an hour' },
    ]);
    const client = new Anthropic({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
    });
    const failure = await client.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: question })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    expect(String((failure as Error).message)).toContain('come back in an hour');
    expect(setup.fake.requestsFor('anthropic-messages')).toHaveLength(1);
  });

  it('a stream cut mid-way upstream fails the client stream; the gateway keeps serving', async () => {
    const upstream = await cuttingUpstream();
    try {
      await using setup = await llmTestGateway([{ text: 'After the cut.' }], {
        llm: {
          providers: { anthropic: { apiKey: PROVIDER_KEYS.anthropic, baseUrl: upstream.url } },
        },
      });
      const client = new Anthropic({
        apiKey: setup.gateway.adminKey,
        baseURL: setup.url,
        maxRetries: 0,
      });
      const seen: string[] = [];
      const stream = client.messages.stream({
        model: 'claude-sonnet-4-6',
        max_tokens: 64,
        messages: question,
      });
      stream.on('text', (text) => seen.push(text));
      await expect(stream.finalMessage()).rejects.toThrow();
      expect(seen).toEqual(['The ans']);
      const openai = new OpenAI({
        apiKey: setup.gateway.adminKey,
        baseURL: setup.url,
        maxRetries: 0,
      });
      const after = await openai.chat.completions.create({ model: 'gpt-5.6', messages: question });
      expect(after.choices[0]?.message.content).toBe('After the cut.');
      expect(setup.gateway.logs()).toContain('the provider stream ended early');
    } finally {
      await upstream.close();
    }
  });

  it('answers a wrong HUD key 401 in every key header, and accepts the right one in x-api-key', async () => {
    await using setup = await llmTestGateway([{ text: 'Hi.' }]);
    const openai = new OpenAI({
      apiKey: 'hud_wrong_key_0000000000',
      baseURL: setup.url,
      maxRetries: 0,
    });
    await expect(
      openai.chat.completions.create({ model: 'gpt-5.6', messages: question }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const post = (headers: Record<string, string>) =>
      fetch(`${setup.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: question }),
      });
    expect((await post({ 'x-api-key': 'hud_wrong_key_0000000000' })).status).toBe(401);
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(await missing.text()).toContain('x-goog-api-key');
    expect((await post({ 'x-api-key': setup.gateway.adminKey })).status).toBe(200);
    // Outside the LLM routes only the Authorization header counts.
    const models = await fetch(`${setup.url}/v2/models`, {
      headers: { 'x-api-key': setup.gateway.adminKey },
    });
    expect(models.status).toBe(401);
    expect(setup.fake.requests).toHaveLength(1);
  });

  it('names unknown models (404), the wrong API for a model (400) and a provider without a key (503)', async () => {
    await using setup = await llmTestGateway();
    const client = new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
    });
    const unknown = await client.chat.completions
      .create({ model: 'gpt-nope', messages: question })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as Error).message).toContain('unknown model "gpt-nope"');
    expect((unknown as Error).message).toContain('GET /v1/models');
    const wrongApi = await client.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages: question })
      .catch((error: unknown) => error);
    expect(wrongApi).toBeInstanceOf(OpenAI.BadRequestError);
    expect((wrongApi as Error).message).toContain('POST /v1/messages');
    const keyless = await client.chat.completions
      .create({ model: 'kimi-k2.6', messages: question })
      .catch((error: unknown) => error);
    expect(keyless).toBeInstanceOf(OpenAI.InternalServerError);
    expect((keyless as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((keyless as Error).message).toContain('no key for provider moonshotai');
    expect(setup.fake.requests).toHaveLength(0);
  });

  it('sends the upstream model id of an OpenAI-compatible catalog model to its provider', async () => {
    const fake = await startFakeProvider({
      turns: [{ text: 'GLM here.' }],
      routes: LLM_FAKE_ROUTES,
    });
    await using setup = await llmTestGateway([], {
      fake,
      llm: {
        providers: { 'z-ai': { apiKey: 'sk-zai-provider-secret', baseUrl: `${fake.url}/v1` } },
      },
    });
    const client = new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
    });
    const completion = await client.chat.completions.create({
      model: 'glm-5.2',
      messages: question,
    });
    expect(completion.choices[0]?.message.content).toBe('GLM here.');
    const [upstream] = fake.requestsFor('openai-chat');
    expect(upstream?.body).toEqual({ model: 'z-ai/glm-5.2', messages: question });
    expect(upstream?.headers.authorization).toBe('Bearer sk-zai-provider-secret');
  });

  it('never writes a provider key or the HUD key to its log', async () => {
    const storm = { status: 503, message: 'overloaded' };
    await using setup = await llmTestGateway([
      storm,
      { text: 'ok' },
      { drop: true },
      { drop: true },
      { drop: true },
    ]);
    const client = new OpenAI({
      apiKey: setup.gateway.adminKey,
      baseURL: setup.url,
      maxRetries: 0,
    });
    await client.chat.completions.create({ model: 'gpt-5.6', messages: question });
    const unreachable = await client.chat.completions
      .create({ model: 'gpt-5.6', messages: question })
      .catch((error: unknown) => error);
    expect((unreachable as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((unreachable as Error).message).toContain(
      'provider openai could not be reached after 3 attempt(s)',
    );
    const logs = setup.gateway.logs();
    expect(logs).toContain('retrying the provider');
    for (const secret of [...Object.values(PROVIDER_KEYS), setup.gateway.adminKey]) {
      expect(logs).not.toContain(secret);
    }
  });
});
