import { startFakeProvider } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways } from '../testing/app.js';
import { LLM_FAKE_ROUTES, llmTestGateway, PROVIDER_KEYS } from '../testing/llm-gateway.js';

afterEach(disposeTestGateways);

const BYOK = 'sk-ant-team-own-key-abcd9876';

describe('BYOK provider keys (/v2/providers)', () => {
  it('set, list without the key, the proxy uses it, delete falls back to the pooled key', async () => {
    await using setup = await llmTestGateway([{ text: 'pooled one' }, { text: 'pooled two' }]);
    await using own = await startFakeProvider({
      turns: [{ text: 'from the team key', usage: { inputTokens: 12, outputTokens: 3 } }],
      routes: LLM_FAKE_ROUTES,
    });
    const { gateway } = setup;
    const message = async () => {
      const response = await fetch(`${setup.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': gateway.adminKey },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { content: { text: string }[] }).content[0]?.text;
    };

    expect(await message()).toBe('pooled one');
    const put = await gateway.call('PUT', '/v2/providers/anthropic', {
      body: { api_key: BYOK, base_url: own.url },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ provider: 'anthropic', key_last4: '9876', base_url: own.url });
    expect(put.text).not.toContain(BYOK);

    const list = await gateway.call('GET', '/v2/providers');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ provider: 'anthropic', key_last4: '9876' }),
    ]);
    expect(list.text).not.toContain(BYOK);

    // The team's key and base URL go upstream instead of the pooled ones.
    expect(await message()).toBe('from the team key');
    expect(own.requestsFor('anthropic-messages')[0]?.headers['x-api-key']).toBe(BYOK);
    expect(setup.fake.requestsFor('anthropic-messages')).toHaveLength(1);

    const removed = await gateway.call('DELETE', '/v2/providers/anthropic');
    expect(removed.status).toBe(200);
    expect((await gateway.call('DELETE', '/v2/providers/anthropic')).status).toBe(404);
    expect((await gateway.call('GET', '/v2/providers')).body.items).toEqual([]);
    expect(await message()).toBe('pooled two');
    const pooled = setup.fake.requestsFor('anthropic-messages');
    expect(pooled).toHaveLength(2);
    expect(pooled[1]?.headers['x-api-key']).toBe(PROVIDER_KEYS.anthropic);

    // Stored sealed, and never in the log.
    expect(gateway.logs()).not.toContain(BYOK);
  });

  it('stores the key sealed, not as plaintext', async () => {
    await using setup = await llmTestGateway();
    const { gateway } = setup;
    await gateway.call('PUT', '/v2/providers/openai', { body: { api_key: BYOK } });
    const team = await gateway.store.keys.ensureTeam('default');
    const row = await gateway.store.providerKeys.getProviderKey(team.id, 'openai');
    expect(row?.encrypted_key).toMatch(/^v1\./);
    expect(row?.encrypted_key).not.toContain(BYOK);
    expect(row?.encrypted_key).not.toContain(Buffer.from(BYOK).toString('base64url'));
  });

  it('answers 403 to a member key and 400 to bad input', async () => {
    await using setup = await llmTestGateway();
    const { gateway } = setup;
    const member = await gateway.mintKey({ role: 'member' });
    for (const [method, url] of [
      ['GET', '/v2/providers'],
      ['PUT', '/v2/providers/anthropic'],
      ['DELETE', '/v2/providers/anthropic'],
    ] as const) {
      const response = await gateway.call(method, url, {
        key: member,
        body: { api_key: BYOK },
      });
      expect(response.status).toBe(403);
    }
    const badName = await gateway.call('PUT', '/v2/providers/Bad%20Name', {
      body: { api_key: BYOK },
    });
    expect(badName.status).toBe(400);
    expect(badName.text).toContain('invalid provider');
    const badUrl = await gateway.call('PUT', '/v2/providers/anthropic', {
      body: { api_key: BYOK, base_url: 'ftp://example.com' },
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.text).toContain('base_url');
    expect(badUrl.text).not.toContain(BYOK);
  });
});
