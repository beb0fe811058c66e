import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '@hud/testing';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startGateway } from '../gateway.js';
import { LLM_FAKE_ROUTES, llmTestGateway, PROVIDER_KEYS } from '../testing/llm-gateway.js';

const question = [{ role: 'user' as const, content: 'What is 2+2?' }];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `method path` on the gateway at `url` with `key`, JSON in and out. */
async function api(url: string, key: string, method: string, route: string, body?: unknown) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field.
  return { status: response.status, body: (await response.json()) as any };
}

/** A member key created through `POST /v2/keys` with `limits`: its secret and id. */
async function limitedKey(url: string, adminKey: string, limits: Record<string, unknown>) {
  const created = await api(url, adminKey, 'POST', '/v2/keys', { name: 'limited', ...limits });
  expect(created.status).toBe(201);
  return { key: created.body.key as string, id: created.body.id as string, record: created.body };
}

const openai = (url: string, key: string) =>
  new OpenAI({ apiKey: key, baseURL: url, maxRetries: 0 });
const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: 'gpt-5.6', messages: question });

describe('per-key rate limits and budgets on the LLM routes', () => {
  it('answers 429 with retry-after once a key made its requests per minute; keys without limits go on', async () => {
    await using setup = await llmTestGateway(Array.from({ length: 6 }, () => ({ text: 'Four.' })));
    const { key, record } = await limitedKey(setup.url, setup.gateway.adminKey, {
      requests_per_minute: 2,
    });
    expect(record).toMatchObject({
      requests_per_minute: 2,
      tokens_per_minute: null,
      budget_usd: null,
      budget_tokens: null,
    });
    const client = openai(setup.url, key);
    await ask(client);
    await ask(client);
    const refused = await ask(client).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    const wait = Number(error.headers?.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(error.error).toMatchObject({
      code: 'rate_limited',
      limit: 'requests_per_minute',
      value: 2,
      used: 2,
    });
    expect(error.message).toContain(
      'rate limit: key "limited" may make 2 LLM requests per minute (requests_per_minute) and made 2 in the last minute',
    );
    expect(setup.fake.requestsFor('openai-chat')).toHaveLength(2);
    // The admin key has no limits: unaffected by the other key's window.
    const admin = openai(setup.url, setup.gateway.adminKey);
    for (let index = 0; index < 4; index++) await ask(admin);
    expect(setup.fake.requestsFor('openai-chat')).toHaveLength(6);
  });

  it('answers 429 naming tokens_per_minute once the last minute used the key tokens', async () => {
    await using setup = await llmTestGateway([
      { text: 'Four.', usage: { inputTokens: 80, outputTokens: 40 } },
    ]);
    const { key } = await limitedKey(setup.url, setup.gateway.adminKey, { tokens_per_minute: 100 });
    const client = openai(setup.url, key);
    await ask(client);
    const refused = await vi.waitFor(async () => {
      const error = await ask(client).catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      return error as InstanceType<typeof OpenAI.RateLimitError>;
    });
    expect(refused.error).toMatchObject({ limit: 'tokens_per_minute', value: 100, used: 120 });
    expect(refused.message).toContain('may use 100 tokens per minute (tokens_per_minute)');
    expect(Number(refused.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(setup.fake.requestsFor('openai-chat')).toHaveLength(1);
  });

  it('answers 402 naming the tokens budget and what was used, until an admin raises it', async () => {
    const turn = { text: 'Four.', usage: { inputTokens: 100, outputTokens: 20 } };
    await using setup = await llmTestGateway([turn, turn, turn]);
    const { key, id } = await limitedKey(setup.url, setup.gateway.adminKey, { budget_tokens: 200 });
    const client = new Anthropic({ apiKey: key, baseURL: setup.url, maxRetries: 0 });
    const call = () =>
      client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: question });
    await call();
    await call(); // 120 used < 200: still allowed, and it takes the key to 240
    const refused = await call().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.APIError);
    const error = refused as InstanceType<typeof Anthropic.APIError>;
    expect(error.status).toBe(402);
    const message = (error.error as { error: { message: string } }).error.message;
    expect(message).toContain(
      'budget exhausted: key "limited" has a budget of 200 tokens (budget_tokens) and has used 240 tokens',
    );
    expect(message).toContain(`hud keys update ${id} --budget-tokens`);
    expect(error.error).toMatchObject({
      error: { code: 'budget_exceeded', limit: 'budget_tokens', value: 200, used: 240 },
    });
    expect(setup.fake.requestsFor('anthropic-messages')).toHaveLength(2);

    const raised = await api(setup.url, setup.gateway.adminKey, 'PATCH', `/v2/keys/${id}`, {
      budget_tokens: 1000,
    });
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({ id, budget_tokens: 1000 });
    await call();
    expect(setup.fake.requestsFor('anthropic-messages')).toHaveLength(3);
  });

  it('answers 402 naming the dollar budget once the recorded cost reached it', async () => {
    // claude-sonnet-4-6 at $3 / $15 per million tokens: 1,000 in + 1,000 out = $0.018 per call.
    const turn = { text: 'Four.', usage: { inputTokens: 1000, outputTokens: 1000 } };
    await using setup = await llmTestGateway([turn, turn]);
    const { key } = await limitedKey(setup.url, setup.gateway.adminKey, { budget_usd: 0.01 });
    const client = new Anthropic({ apiKey: key, baseURL: setup.url, maxRetries: 0 });
    const call = () =>
      client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: question });
    await call();
    const refused = (await call().catch((error: unknown) => error)) as InstanceType<
      typeof Anthropic.APIError
    >;
    expect(refused.status).toBe(402);
    expect((refused.error as { detail: string }).detail).toContain(
      'budget exhausted: key "limited" has a budget of $0.01 (budget_usd) and has spent $0.018',
    );
    expect(setup.fake.requestsFor('anthropic-messages')).toHaveLength(1);
  });

  it('sets, clears and validates limits through PATCH /v2/keys/{id} (admin only)', async () => {
    await using setup = await llmTestGateway();
    const admin = setup.gateway.adminKey;
    const { key, id } = await limitedKey(setup.url, admin, {
      requests_per_minute: 5,
      budget_usd: 2.5,
    });
    const cleared = await api(setup.url, admin, 'PATCH', `/v2/keys/${id}`, {
      requests_per_minute: null,
      tokens_per_minute: 1000,
    });
    expect(cleared.body).toMatchObject({
      requests_per_minute: null,
      tokens_per_minute: 1000,
      budget_usd: 2.5,
      budget_tokens: null,
    });
    const listed = await api(setup.url, admin, 'GET', '/v2/keys');
    expect(listed.body.items.find((item: { id: string }) => item.id === id)).toMatchObject({
      tokens_per_minute: 1000,
      budget_usd: 2.5,
    });
    const typo = await api(setup.url, admin, 'PATCH', `/v2/keys/${id}`, { rpm: 5 });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('rpm');
    const negative = await api(setup.url, admin, 'PATCH', `/v2/keys/${id}`, {
      requests_per_minute: 0,
    });
    expect(negative.status).toBe(400);
    expect(negative.body.error.message).toMatch(/^invalid body: requests_per_minute: /);
    const empty = await api(setup.url, admin, 'PATCH', `/v2/keys/${id}`, {});
    expect(empty.body.error.message).toContain('expected at least one of requests_per_minute');
    const badCreate = await api(setup.url, admin, 'POST', '/v2/keys', {
      name: 'x',
      budget_tokens: 1.5,
    });
    expect(badCreate.status).toBe(400);
    expect(badCreate.body.error.message).toMatch(/^invalid body: budget_tokens: /);
    expect((await api(setup.url, key, 'PATCH', `/v2/keys/${id}`, { budget_usd: 9 })).status).toBe(
      403,
    );
    expect((await api(setup.url, admin, 'PATCH', '/v2/keys/nope', { budget_usd: 9 })).status).toBe(
      404,
    );
  });

  it('keeps limits and budgets across a gateway restart: budgets count the recorded usage', async () => {
    const fake = await startFakeProvider({
      routes: LLM_FAKE_ROUTES,
      turns: [{ text: 'Four.', usage: { inputTokens: 100, outputTokens: 20 } }],
    });
    cleanups.push(() => fake.close());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hud-gateway-limits-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const adminKey = 'hud_limits_restart_test_key_0123';
    const start = () =>
      startGateway({
        port: 0,
        dataDir,
        bootstrapKey: adminKey,
        logLevel: 'silent',
        llm: {
          providers: { openai: { apiKey: PROVIDER_KEYS.openai, baseUrl: `${fake.url}/v1` } },
          retry: { minTimeoutMs: 1, maxTimeoutMs: 2 },
        },
      });
    const first = await start();
    const { key, id } = await limitedKey(first.url, adminKey, {
      budget_tokens: 100,
      requests_per_minute: 50,
    });
    await ask(openai(first.url, key));
    await first.close();

    await using second = await start();
    const refused = await ask(openai(second.url, key)).catch((error: unknown) => error);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    expect((refused as Error).message).toContain('has used 120 tokens');
    const listed = await api(second.url, adminKey, 'GET', '/v2/keys');
    expect(listed.body.items.find((item: { id: string }) => item.id === id)).toMatchObject({
      budget_tokens: 100,
      requests_per_minute: 50,
    });
    expect(fake.requestsFor('openai-chat')).toHaveLength(1);
  });
});
