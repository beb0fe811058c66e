import type { JsonObject, SubScore } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { type ComputedScore, Grader } from './grader.js';
import { subscore } from './results.js';

class FixedGrader extends Grader<{ result: ComputedScore; extra?: unknown }> {
  readonly name = 'FixedGrader';
  protected computeScore({ result }: { result: ComputedScore }): ComputedScore {
    return result;
  }
}

describe('Grader.grade (hud-python Grader.grade semantics)', () => {
  const grader = new FixedGrader();

  it('coerces a bare number and records _parameters', async () => {
    const result = await grader.grade({ weight: 0.3, result: 0.5, extra: 'x' });
    expect(result).toEqual({
      name: 'FixedGrader',
      weight: 0.3,
      value: 0.5,
      children: null,
      info: { _parameters: { result: 0.5, extra: 'x' } },
    });
  });

  it('coerces a [value, info] pair and merges info with _parameters', async () => {
    const result = await grader.grade({ weight: 1, result: [1, { why: 'ok' }] });
    expect(result.value).toBe(1);
    expect(result.info).toEqual({ why: 'ok', _parameters: { result: [1, { why: 'ok' }] } });
  });

  it('keeps a returned sub-score but overrides its name and weight', async () => {
    const returned: SubScore = subscore({ name: 'inner', value: 0.25, weight: 9, info: { a: 1 } });
    const result = await grader.grade({ weight: -0.5, name: 'custom', result: returned });
    expect(result).toMatchObject({ name: 'custom', weight: -0.5, value: 0.25 });
    expect((result.info as JsonObject).a).toBe(1);
    const unnamed = await grader.grade({ weight: 1, name: '', result: returned });
    expect(unnamed.name).toBe('FixedGrader');
  });

  it('makes _parameters JSON-safe', async () => {
    const cyclic: Record<string, unknown> = { label: 'c' };
    cyclic.self = cyclic;
    const result = await grader.grade({
      weight: 1,
      result: 1,
      extra: {
        fn: () => 1,
        big: 10n,
        when: new Date('2026-01-02T03:04:05Z'),
        set: new Set([1, 2]),
        map: new Map([['k', 'v']]),
        nan: Number.NaN,
        missing: undefined,
        cyclic,
      },
    });
    expect((result.info as { _parameters: JsonObject })._parameters.extra).toEqual({
      fn: '<function: not serializable>',
      big: 10,
      when: '2026-01-02T03:04:05.000Z',
      set: [1, 2],
      map: { k: 'v' },
      nan: null,
      cyclic: { label: 'c', self: '<cycle: not serializable>' },
    });
  });

  it('rejects a computed value outside [0, 1] and a non-finite weight', async () => {
    await expect(grader.grade({ weight: 1, result: 1.5 })).rejects.toThrowError(/\[0, 1\]/);
    await expect(grader.grade({ weight: Number.NaN, result: 1 })).rejects.toThrowError(/weight/);
  });
});
