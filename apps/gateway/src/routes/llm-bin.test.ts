import { startFakeProvider } from '@hud/testing';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayProcess, startBin } from '../testing/bin-process.js';
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
});
