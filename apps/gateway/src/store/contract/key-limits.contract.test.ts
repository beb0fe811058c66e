import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';

describeEachDialect('key limits and key spend on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)('stores, patches and clears a key’s limits as numbers', async () => {
    const team = await suite.store.keys.ensureTeam(`limits-${randomUUID()}`);
    const key = await suite.store.keys.createKey({
      teamId: team.id,
      name: 'limited',
      role: 'member',
      keyHash: randomUUID().replaceAll('-', '').padEnd(64, '0'),
      prefix: 'hud_limited0',
      limits: { requests_per_minute: 60, budget_tokens: 5_000_000_000, budget_usd: 12.5 },
    });
    expect(key).toMatchObject({
      requests_per_minute: 60,
      tokens_per_minute: null,
      budget_usd: 12.5,
      budget_tokens: 5_000_000_000,
    });
    const patched = await suite.store.keys.setKeyLimits(key.id, {
      requests_per_minute: null,
      tokens_per_minute: 90_000,
    });
    expect(patched).toMatchObject({
      requests_per_minute: null,
      tokens_per_minute: 90_000,
      budget_usd: 12.5,
      budget_tokens: 5_000_000_000,
    });
    expect((await suite.store.keys.listKeys({ teamId: team.id }))[0]).toMatchObject({
      tokens_per_minute: 90_000,
      budget_tokens: 5_000_000_000,
    });
    expect(await suite.store.keys.setKeyLimits(randomUUID(), { budget_usd: 1 })).toBeUndefined();
  });

  it.skipIf(skip)('sums what one key spent over its requests (tokens in + out, cost)', async () => {
    const keyId = randomUUID();
    const base = {
      teamId: randomUUID(),
      keyId,
      traceId: null,
      model: 'claude-sonnet-4-6',
      upstreamModel: 'claude-sonnet-4-6',
      provider: 'anthropic',
      api: 'anthropic-messages',
      streamed: false,
      complete: true,
      cachedTokens: null,
    };
    expect(await suite.store.usage.keySpend(keyId)).toEqual({
      requests: 0,
      tokens: 0,
      cost_usd: 0,
    });
    await suite.store.usage.recordUsage({
      ...base,
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.5,
    });
    await suite.store.usage.recordUsage({
      ...base,
      inputTokens: null,
      outputTokens: 7,
      costUsd: null,
    });
    await suite.store.usage.recordUsage({
      ...base,
      keyId: 'other',
      inputTokens: 9,
      outputTokens: 9,
      costUsd: 9,
    });
    expect(await suite.store.usage.keySpend(keyId)).toEqual({
      requests: 2,
      tokens: 127,
      cost_usd: 0.5,
    });
  });
});
