import { describe, expect, it } from 'vitest';
import { costOf, priceOfModel } from './prices.js';

describe('LLM request cost', () => {
  it('prices uncached input, cached input and output separately, USD per million tokens', () => {
    const price = { input: 3, output: 15, cachedInput: 0.3 };
    expect(costOf({ inputTokens: 1000, outputTokens: 200, cachedTokens: 400 }, price)).toBeCloseTo(
      (600 * 3 + 400 * 0.3 + 200 * 15) / 1e6,
      15,
    );
  });

  it('is unknown (null) without a price or without token counts', () => {
    expect(costOf({ inputTokens: 10, outputTokens: 5, cachedTokens: null }, undefined)).toBeNull();
    const price = { input: 1, output: 1, cachedInput: 1 };
    expect(costOf({ inputTokens: null, outputTokens: null, cachedTokens: null }, price)).toBeNull();
  });

  it("reads @hud/agents' sourced table by upstream id first, then by catalog name", () => {
    expect(priceOfModel('claude-sonnet-4-5-20250929', 'sonnet')).toMatchObject({ input: 3 });
    expect(priceOfModel('no-such-upstream', 'gpt-5.1')).toMatchObject({ input: 1.25, output: 10 });
    expect(priceOfModel('no-such-upstream', 'no-such-model')).toBeUndefined();
  });
});
