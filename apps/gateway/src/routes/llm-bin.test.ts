import { startFakeProvider } from '@hud/testing';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayProcess, runBinToExit, startBin } from '../testing/bin-process.js';
import { freshDataDir } from '../testing/databases.js';
import { LLM_FAKE_ROUTES } from '../testing/llm-gateway.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the hud-gateway bin with pooled provider keys', () => {
  it('reads OPENAI_API_KEY / OPENAI_BASE_URL at start and never prints the key', async () => {
    const fake = await startFakeProvider({ turns: [{ text: 'Pooled.' }], routes: LLM_FAKE_ROUTES });
    cleanups.push(() => fake.close());
    const { dir, cleanup } = await freshDataDir();
    cleanups.push(cleanup);
    const hudKey = 'hud_bin_llm_test_key_0123456789';
    const providerKey = 'sk-openai-pooled-secret-4242';
    const gateway: GatewayProcess = await startBin(
      ['--port', '0', '--data-dir', dir, '--log-level', 'debug'],
      {
        HUD_GATEWAY_BOOTSTRAP_KEY: hudKey,
        OPENAI_API_KEY: providerKey,
        OPENAI_BASE_URL: `${fake.url}/v1`,
        ANTHROPIC_API_KEY: '',
        GEMINI_API_KEY: '',
      },
    );
    cleanups.push(() => gateway.stop());
    const client = new OpenAI({ apiKey: hudKey, baseURL: gateway.url, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-5.6',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Pooled.');
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${providerKey}`);
    await gateway.stop();
    expect(gateway.stdout() + gateway.stderr()).not.toContain(providerKey);
    expect(gateway.stderr()).toContain('"status":200');
  });

  it('--fallback sends a model that keeps failing to the next one, and refuses a bad value', async () => {
    const fake = await startFakeProvider({
      routes: LLM_FAKE_ROUTES,
      handler: (body) =>
        (body as { model?: string }).model === 'gpt-5.6'
          ? { status: 503, message: 'overloaded' }
          : { text: 'From 5.5.' },
    });
    cleanups.push(() => fake.close());
    const { dir, cleanup } = await freshDataDir();
    cleanups.push(cleanup);
    const hudKey = 'hud_bin_fallback_test_key_0123456';
    const env = {
      HUD_GATEWAY_BOOTSTRAP_KEY: hudKey,
      OPENAI_API_KEY: 'sk-openai-pooled-secret-4243',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    };
    const gateway = await startBin(
      ['--port', '0', '--data-dir', dir, '--fallback', 'gpt-5.6=gpt-5.5'],
      env,
    );
    cleanups.push(() => gateway.stop());
    const client = new OpenAI({ apiKey: hudKey, baseURL: gateway.url, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-5.6', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('From 5.5.');
    expect(response.headers.get('x-hud-model')).toBe('gpt-5.5');

    const malformed = await runBinToExit(
      ['--port', '0', '--data-dir', dir, '--fallback', 'gpt-5.6'],
      env,
    );
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('expected <model>=<fallback>[,<fallback>…]');
    const crossApi = await runBinToExit(
      ['--port', '0', '--data-dir', dir, '--fallback', 'gpt-5.6=claude-sonnet-4-6'],
      env,
    );
    expect(crossApi.code).toBe(1);
    expect(crossApi.stderr).toContain(
      'hud-gateway: fallbacks of gpt-5.6: claude-sonnet-4-6 is served by provider anthropic',
    );
  });
});
