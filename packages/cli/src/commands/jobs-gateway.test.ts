import { describe, expect, it } from 'vitest';
import { usageLine } from './jobs-gateway.js';

describe('usageLine', () => {
  it('shows tokens and cost when the gateway reports them, nothing otherwise', () => {
    expect(usageLine({ id: 'j', input_tokens: 150, output_tokens: 15, cost_usd: 0.000675 })).toBe(
      'tokens 150 in / 15 out, cost $0.000675',
    );
    expect(
      usageLine({ input_tokens: 5, output_tokens: 1, cost_usd: null, unpriced_requests: 2 }),
    ).toBe('tokens 5 in / 1 out, cost unknown (2 requests of models without a price not counted)');
    expect(usageLine({ id: 'j', input_tokens: 0, output_tokens: 0, cost_usd: 0 })).toBeUndefined();
    expect(usageLine({ id: 'j' })).toBeUndefined();
  });
});
