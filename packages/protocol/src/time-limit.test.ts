import { describe, expect, it } from 'vitest';
import { HudError } from './errors.js';
import { settleWithin, withTimeLimit } from './time-limit.js';

describe('withTimeLimit', () => {
  const late = () => new HudError('timeout', 'too late');

  it('passes a promise that settles in time through, value or rejection', async () => {
    expect(await withTimeLimit(Promise.resolve(7), 5_000, late)).toBe(7);
    const boom = new Error('boom');
    await expect(withTimeLimit(Promise.reject(boom), 5_000, late)).rejects.toBe(boom);
  });

  it('rejects with the error made by timedOut once the limit passes first', async () => {
    const never = new Promise<never>(() => {});
    await expect(withTimeLimit(never, 1, late)).rejects.toMatchObject({
      code: 'timeout',
      message: 'too late',
    });
  });
});

describe('settleWithin', () => {
  it("says 'done' for a promise that settles in time, either way, and 'timeout' otherwise", async () => {
    expect(await settleWithin(Promise.resolve(1), 5_000)).toBe('done');
    expect(await settleWithin(Promise.reject(new Error('boom')), 5_000)).toBe('done');
    expect(await settleWithin(new Promise(() => {}), 1)).toBe('timeout');
  });
});
