import { startFakeProvider } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GATEWAY_BIN,
  type GatewayProcess,
  hud,
  newAdminKey,
  removeTemp,
  startGatewayProcess,
  tempDir,
} from './support/gateway-cli.js';

// `hud keys create … --rpm/--budget-tokens` and `hud keys update` (the built CLI) against the real
// hud-gateway bin whose pooled OpenAI key points at a fake provider: the limits set by the CLI are the
// ones the LLM routes enforce.

const ADMIN = newAdminKey();
let gateway: GatewayProcess;
let fake: Awaited<ReturnType<typeof startFakeProvider>>;

beforeAll(async () => {
  fake = await startFakeProvider({
    handler: () => ({ text: 'Four.', usage: { inputTokens: 60, outputTokens: 10 } }),
  });
  const dataDir = tempDir('gateway-limits');
  gateway = await startGatewayProcess(
    GATEWAY_BIN,
    ['--port', '0', '--data-dir', dataDir, '--log-level', 'warn'],
    {
      PATH: process.env.PATH ?? '',
      HUD_GATEWAY_BOOTSTRAP_KEY: ADMIN,
      OPENAI_API_KEY: 'sk-openai-e2e-limits',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    },
    dataDir,
  );
});
afterAll(async () => {
  await gateway?.stop();
  await fake?.close();
  removeTemp();
});

const asAdmin = (args: string[]) =>
  hud(args, { home: tempDir('home'), vars: { HUD_API_URL: gateway.url, HUD_API_KEY: ADMIN } });

const chat = (key: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5.6', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('hud keys create/update with LLM limits', () => {
  it('creates a key with --rpm and --budget-tokens, the gateway enforces them, update changes them', async () => {
    const created = await asAdmin([
      'keys',
      'create',
      'bot',
      '--rpm',
      '1',
      '--budget-tokens',
      '100',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /^created member key bot \(id [0-9a-f-]{36}, team default; 1 requests\/min, budget 100 tokens\)$/m,
    );
    const key = /^(hud_\S+)$/m.exec(created.stdout)?.[1] as string;
    const id = /\(id ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;

    expect((await chat(key)).status).toBe(200);
    const limited = await chat(key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { limit: string } }).error.limit).toBe(
      'requests_per_minute',
    );

    const updated = await asAdmin(['keys', 'update', id, '--rpm', 'none', '--budget-usd', '2.5']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout.trim()).toBe(
      `updated key bot (id ${id}): budget $2.5, budget 100 tokens`,
    );
    expect((await chat(key)).status).toBe(200); // 70 tokens used < 100
    const spent = await chat(key);
    expect(spent.status).toBe(402);
    expect(((await spent.json()) as { error: { message: string } }).error.message).toContain(
      'has used 140 tokens',
    );

    const listed = await asAdmin(['keys', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({
        id,
        requests_per_minute: null,
        budget_usd: 2.5,
        budget_tokens: 100,
      }),
    );
    const nothing = await asAdmin(['keys', 'update', id]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain(
      'nothing to change: give --rpm, --tpm, --budget-usd or --budget-tokens',
    );
    const bad = await asAdmin(['keys', 'create', 'x', '--rpm', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "--rpm must be a whole number of requests from 1 to 2147483647, got '0'",
    );
    expect(fake.requests).toHaveLength(2);
  }, 60_000);
});
