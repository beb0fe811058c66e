import { describe, expect, it } from 'vitest';
import { errorResult, errorSubScore, isErrorResult } from './error-result.js';
import { GraderError } from './errors.js';
import { evaluation, evaluationFromFloat, subscore, toSummary } from './results.js';
import type { GraderWarning } from './warnings.js';

function collect() {
  const warnings: GraderWarning[] = [];
  return { warnings, onWarning: (warning: GraderWarning) => warnings.push(warning) };
}

describe('subscore', () => {
  it('fills hud-python defaults (weight 1, children/info null) and accepts the metadata alias', () => {
    expect(subscore({ name: 'a', value: 0.5 })).toEqual({
      name: 'a',
      weight: 1,
      value: 0.5,
      children: null,
      info: null,
    });
    expect(subscore({ name: 'b', value: 1, metadata: { k: 1 } }).info).toEqual({ k: 1 });
  });

  it.each([-0.01, 1.0000001, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects value %s outside [0, 1] like pydantic',
    (value) => {
      expect(() => subscore({ name: 'bad', value })).toThrowError(
        /value must be a number in \[0, 1\]/,
      );
    },
  );

  it('rejects a non-finite weight, both info and metadata, and invalid children', () => {
    expect(() => subscore({ name: 'w', value: 1, weight: Number.NaN })).toThrowError(/weight/);
    expect(() => subscore({ name: 'm', value: 1, info: {}, metadata: {} })).toThrowError(
      /not both/,
    );
    const child = { name: 'c', value: 2, weight: 1 };
    try {
      subscore({ name: 'p', value: 1, children: [child] });
      expect.unreachable();
    } catch (error) {
      expect(GraderError.isInstance(error)).toBe(true);
      expect((error as GraderError).code).toBe('invalid_argument');
      expect((error as Error).message).toContain('"c"');
    }
  });

  it('accepts the boundaries 0 and 1 and negative weights', () => {
    expect(subscore({ name: 'z', value: 0, weight: -2 }).weight).toBe(-2);
    expect(subscore({ name: 'o', value: 1 }).value).toBe(1);
  });
});

describe('evaluation', () => {
  it('fills hud-python defaults and keeps extra keys', () => {
    expect(evaluation({ reward: 0.25, trace: 'x' })).toEqual({
      reward: 0.25,
      done: true,
      content: null,
      info: {},
      isError: false,
      subscores: null,
      trace: 'x',
    });
    expect(evaluationFromFloat(0.75)).toMatchObject({ reward: 0.75, done: true, isError: false });
  });

  it('rejects a non-finite reward and invalid sub-scores', () => {
    expect(() => evaluation({ reward: Number.NaN })).toThrowError(GraderError);
    expect(() =>
      evaluation({ reward: 1, subscores: [{ name: 'a', weight: 1, value: 5 }] }),
    ).toThrowError(/subscores\[0\]/);
  });

  it('warns, never fails, on duplicate names, weights not summing to 1 and reward mismatch', () => {
    const { warnings, onWarning } = collect();
    const result = evaluation(
      {
        reward: 0.9,
        subscores: [
          subscore({ name: 'a', value: 1, weight: 0.5 }),
          subscore({ name: 'a', value: 0, weight: 0.3 }),
        ],
      },
      { onWarning },
    );
    expect(result.reward).toBe(0.9);
    expect(warnings.map((warning) => warning.code)).toEqual([
      'duplicate_subscore_names',
      'weights_not_normalized',
      'reward_mismatch',
    ]);
    expect(warnings[0]?.message).toBe("Duplicate subscore names: {'a'}");
    expect(warnings[1]?.message).toContain('(got 0.8000)');
    expect(warnings[2]?.message).toContain('sum(value*weight)=0.5000 but reward=0.9000');
  });

  it('stays quiet within the 0.01 tolerances and ignores negative weights in the weight sum', () => {
    const { warnings, onWarning } = collect();
    evaluation(
      {
        reward: 0.5,
        subscores: [
          subscore({ name: 'a', value: 1, weight: 0.995 }),
          subscore({ name: 'p', value: 0.5, weight: -1 }),
        ],
      },
      { onWarning },
    );
    expect(warnings).toEqual([]);
  });
});

describe('error results', () => {
  it('are distinguishable from a real 0', () => {
    const failed = errorResult('provider down', { provider: 'gateway' });
    expect(failed).toMatchObject({
      reward: 0,
      isError: true,
      content: 'provider down',
      info: { provider: 'gateway', error: 'provider down' },
    });
    expect(isErrorResult(failed)).toBe(true);
    expect(isErrorResult(evaluation({ reward: 0 }))).toBe(false);
    const sub = errorSubScore({ name: 'judge', message: 'boom', weight: 0.4 });
    expect(sub).toMatchObject({
      name: 'judge',
      weight: 0.4,
      value: 0,
      info: { error: 'boom', isError: true },
    });
    expect(isErrorResult(sub)).toBe(true);
    expect(
      isErrorResult(subscore({ name: 'zero', value: 0, info: { error: 'wrong answer' } })),
    ).toBe(false);
  });
});

describe('toSummary', () => {
  it('drops info recursively', () => {
    const tree = subscore({
      name: 'root',
      value: 1,
      info: { a: 1 },
      children: [subscore({ name: 'leaf', value: 1, info: { b: 2 } })],
    });
    expect(toSummary(tree)).toEqual({
      name: 'root',
      weight: 1,
      value: 1,
      children: [{ name: 'leaf', weight: 1, value: 1, children: null }],
    });
  });
});
