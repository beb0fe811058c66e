/**
 * combine / combineAny / combineAll. Expected numbers and names were printed by python3 3.11.7 running
 * hud-python 0.6.16 `_dedupe_subscore_names` and `_combine_subscores` (spec §4.5) on the same inputs.
 */
import type { SubScore } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { combine, combineAll, combineAny, dedupeSubScoreNames } from './combine.js';
import { errorSubScore, isErrorResult } from './error-result.js';
import { subscore } from './results.js';
import type { GraderWarning } from './warnings.js';

type Item = readonly [name: string, value: number, weight: number];
const make = (items: readonly Item[]) =>
  items.map(([name, value, weight]) => subscore({ name, value, weight }));

describe('dedupeSubScoreNames', () => {
  it.each([
    [
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ],
    [
      ['a', 'a'],
      ['a-1', 'a-2'],
    ],
    [
      ['a', 'a', 'a'],
      ['a-1', 'a-2', 'a-3'],
    ],
    [
      ['a', 'a', 'a-1'],
      ['a-2', 'a-3', 'a-1'],
    ],
    [
      ['x-1', 'x', 'x'],
      ['x-1', 'x-2', 'x-3'],
    ],
    [
      ['a', 'b', 'a', 'b', 'a-2'],
      ['a-1', 'b-1', 'a-3', 'b-2', 'a-2'],
    ],
    [
      ['t', 't-1', 't', 't-1'],
      ['t-2', 't-1-1', 't-3', 't-1-2'],
    ],
  ])('%j → %j', (names, expected) => {
    expect(dedupeSubScoreNames(names.map((name) => subscore({ name, value: 0 })))).toEqual(
      expected,
    );
  });
});

describe('combine arithmetic (python3 reference values)', () => {
  it.each<[readonly Item[], number, readonly Item[], boolean]>([
    [
      [
        ['tests', 1, 0.6],
        ['format', 0, 0.4],
      ],
      0.6,
      [
        ['tests', 1, 0.6],
        ['format', 0, 0.4],
      ],
      false,
    ],
    [
      [
        ['a', 1, 1],
        ['b', 0.5, 1],
        ['c', 0.25, 2],
      ],
      0.5,
      [
        ['a', 1, 0.25],
        ['b', 0.5, 0.25],
        ['c', 0.25, 0.5],
      ],
      true,
    ],
    [
      [
        ['a', 0.7, 0.5],
        ['b', 0.3, 0.3],
        ['c', 1, 0.3],
      ],
      0.6727272727272726,
      [
        ['a', 0.7, 0.45454545454545453],
        ['b', 0.3, 0.2727272727272727],
        ['c', 1, 0.2727272727272727],
      ],
      true,
    ],
    [
      [
        ['ok', 1, 1],
        ['penalty', 1, -0.5],
      ],
      0.5,
      [
        ['ok', 1, 1],
        ['penalty', 1, -0.5],
      ],
      false,
    ],
    [
      [
        ['ok', 0.2, 0.5],
        ['ok', 0.9, 0.5],
        ['pen', 1, -0.25],
        ['pen', 0.5, -1],
      ],
      -0.19999999999999996,
      [
        ['ok-1', 0.2, 0.5],
        ['ok-2', 0.9, 0.5],
        ['pen-1', 1, -0.25],
        ['pen-2', 0.5, -1],
      ],
      false,
    ],
    [
      [
        ['x', 0.1, 0.1],
        ['y', 0.2, 0.2],
        ['z', 0.3, 0.3],
      ],
      0.23333333333333328,
      [
        ['x', 0.1, 0.16666666666666666],
        ['y', 0.2, 0.3333333333333333],
        ['z', 0.3, 0.4999999999999999],
      ],
      true,
    ],
    [
      [
        ['zero', 1, 0],
        ['one', 0.4, 3],
      ],
      0.4,
      [
        ['zero', 1, 0],
        ['one', 0.4, 1],
      ],
      true,
    ],
  ])('%j → reward %d', async (items, reward, normalized, warns) => {
    const warnings: GraderWarning[] = [];
    const result = await combine(make(items), { onWarning: (warning) => warnings.push(warning) });
    expect(result.reward).toBe(reward);
    expect(result.done).toBe(true);
    expect(result.isError).toBe(false);
    expect(result.subscores?.map((item) => [item.name, item.value, item.weight])).toEqual(
      normalized,
    );
    expect(warnings.map((warning) => warning.code)).toEqual(
      warns ? ['combine_weights_not_normalized'] : [],
    );
  });

  it('keeps input order when promises settle out of order', async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = (async () => {
      await gate;
      order.push('slow');
      return subscore({ name: 'slow', value: 1, weight: 0.5 });
    })();
    const fast = (async () => {
      order.push('fast');
      release();
      return subscore({ name: 'fast', value: 0, weight: 0.5 });
    })();
    const result = await combine([slow, subscore({ name: 'plain', value: 1, weight: 0 }), fast]);
    expect(order).toEqual(['fast', 'slow']);
    expect(result.subscores?.map((item) => item.name)).toEqual(['slow', 'plain', 'fast']);
    expect(result.reward).toBe(0.5);
  });

  it('keeps children and info of the inputs', async () => {
    const child = subscore({ name: 'c', value: 1 });
    const result = await combine([
      subscore({ name: 'p', value: 1, children: [child], info: { k: 'v' } }),
    ]);
    expect(result.subscores?.[0]).toMatchObject({ children: [child], info: { k: 'v' } });
  });
});

describe('combine errors', () => {
  it('throws on empty input, on no positive weight and on non-sub-scores', async () => {
    await expect(combine([])).rejects.toThrowError(/must not be empty/);
    await expect(
      combine(
        make([
          ['a', 1, 0],
          ['b', 1, -1],
        ]),
      ),
    ).rejects.toThrowError(/at least one positive weight/);
    await expect(combine([42 as unknown as SubScore])).rejects.toThrowError(/item 0/);
    await expect(
      combine([{ name: 'bad', weight: 1, value: 1.5 } as SubScore]),
    ).rejects.toThrowError(/value must be a number in \[0, 1\]/);
  });

  it('propagates a rejected promise', async () => {
    await expect(combine([Promise.reject(new Error('grader crashed'))])).rejects.toThrowError(
      'grader crashed',
    );
  });

  it('marks the result isError when a sub-score is an error, keeping the arithmetic', async () => {
    const result = await combine([
      subscore({ name: 'tests', value: 1, weight: 0.5 }),
      errorSubScore({ name: 'judge', message: 'HTTP 500', weight: 0.5 }),
    ]);
    expect(result.reward).toBe(0.5);
    expect(result.isError).toBe(true);
    expect(isErrorResult(result)).toBe(true);
    expect(result.content).toBe('grading failed: judge: HTTP 500');
    expect(result.info).toEqual({ errors: { judge: 'HTTP 500' } });
  });
});

describe('combineAny / combineAll', () => {
  const inputs = make([
    ['x', 0.25, 1],
    ['x', 0.75, 2],
    ['y', 0.5, 1],
  ]);

  it('any = max with de-duplicated children, default name "any"', () => {
    const result = combineAny({ weight: 0.3, subscores: inputs });
    expect(result).toMatchObject({ name: 'any', weight: 0.3, value: 0.75 });
    expect(result.children?.map((child) => [child.name, child.value, child.weight])).toEqual([
      ['x-1', 0.25, 1],
      ['x-2', 0.75, 2],
      ['y', 0.5, 1],
    ]);
    expect(inputs[0]?.name).toBe('x');
  });

  it('all = min, default name "all", custom name honoured', () => {
    expect(combineAll({ weight: 1, subscores: inputs })).toMatchObject({
      name: 'all',
      value: 0.25,
    });
    expect(combineAll({ weight: 1, subscores: inputs, name: 'gate' }).name).toBe('gate');
  });

  it('throw on empty input', () => {
    expect(() => combineAny({ weight: 1, subscores: [] })).toThrowError(/must not be empty/);
    expect(() => combineAll({ weight: 1, subscores: [] })).toThrowError(/must not be empty/);
  });

  it('become errors only when an errored child could change the outcome', () => {
    const failed = errorSubScore({ name: 'judge', message: 'down' });
    const pass = subscore({ name: 'p', value: 1 });
    const fail = subscore({ name: 'f', value: 0 });
    expect(isErrorResult(combineAny({ weight: 1, subscores: [failed, pass] }))).toBe(false);
    expect(isErrorResult(combineAny({ weight: 1, subscores: [failed, fail] }))).toBe(true);
    expect(isErrorResult(combineAll({ weight: 1, subscores: [failed, fail] }))).toBe(false);
    const tainted = combineAll({ weight: 1, subscores: [failed, pass] });
    expect(isErrorResult(tainted)).toBe(true);
    expect(tainted.info?.error).toBe('judge: down');
  });
});
