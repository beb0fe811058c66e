import { describe, expect, it } from 'vitest';
import { resolveEnv } from './resolve-env.js';
import { readRewardFiles, summarizeRewards } from './reward-file.js';

describe('readRewardFiles (Harbor v0.22 verifier.py order)', () => {
  it.each([
    ['reward.txt with a newline', null, '1\n', { reward: 1 }],
    ['a fractional reward.txt', null, ' 0.25 ', { reward: 0.25 }],
    [
      'a multi-metric reward.json',
      '{"correctness": 1, "performance": 0}',
      null,
      { correctness: 1, performance: 0 },
    ],
    ['a bare number in reward.json', '0.5', null, { reward: 0.5 }],
    ['booleans as 1/0', '{"passed": true}', null, { passed: 1 }],
  ])('reads %s', (_, json, txt, rewards) => {
    expect(readRewardFiles(json, txt)).toMatchObject({ ok: true, rewards });
  });

  it('prefers reward.json over reward.txt and says so', () => {
    const reading = readRewardFiles('{"reward": 1}', '0');
    expect(reading).toMatchObject({ ok: true, rewards: { reward: 1 }, file: 'reward.json' });
    expect(reading.ok && reading.warning).toMatch(/both reward\.json and reward\.txt/);
  });

  it.each([
    ['no file at all', null, null, 'missing', /no reward file/],
    ['an empty reward.txt', null, '  \n', 'empty', /reward\.txt is empty/],
    ['an empty reward.json', '', '1', 'empty', /reward\.json is empty/],
    ['text in reward.txt', null, 'PASSED', 'unparseable', /does not hold a number: 'PASSED'/],
    ['broken JSON', '{"reward": ', null, 'unparseable', /reward\.json is not JSON/],
    ['a string metric', '{"reward": "1"}', null, 'unparseable', /key 'reward' is not a number/],
    ['an array', '[1]', null, 'unparseable', /must be an object of numbers/],
    ['no metrics', '{}', null, 'unparseable', /has no rewards/],
  ])('refuses %s as no verdict (never a 0)', (_, json, txt, kind, message) => {
    const reading = readRewardFiles(json, txt);
    expect(reading).toMatchObject({ ok: false, kind });
    expect(reading.ok ? '' : reading.message).toMatch(message);
  });
});

describe('summarizeRewards', () => {
  it('uses the reward key, else the only key, else the mean, with one subscore per metric', () => {
    expect(summarizeRewards({ reward: 0.5 })).toEqual({ score: 0.5, subscores: [] });
    expect(summarizeRewards({ passed: 1 })).toEqual({ score: 1, subscores: [] });
    expect(summarizeRewards({ correctness: 1, performance: 0 })).toEqual({
      score: 0.5,
      subscores: [
        { name: 'correctness', value: 1, weight: 0.5 },
        { name: 'performance', value: 0, weight: 0.5 },
      ],
    });
    expect(summarizeRewards({ reward: 0.9, style: 0 }).score).toBe(0.9);
  });
});

/** Harbor's `${NAME}` templating, built without a JS template-like literal. */
const ref = (name: string) => ['$', '{', name, '}'].join('');

describe('resolveEnv (Harbor variable templating)', () => {
  const table = {
    A: `${ref('HOME_DIR')}/x`,
    B: ref('MISSING:-fallback'),
    C: 'plain $NOT_TEMPLATED',
    D: ref('EMPTY:-d'),
  };
  it('substitutes host values and defaults, and keeps other text', () => {
    expect(
      resolveEnv(table, { HOME_DIR: '/home/u', EMPTY: '' }, 'task.toml [environment.env]'),
    ).toEqual({
      A: '/home/u/x',
      B: 'fallback',
      C: 'plain $NOT_TEMPLATED',
      D: 'd',
    });
  });
  it('names the key and the variable when the host has no value', () => {
    expect(() => resolveEnv({ TOKEN: ref('API_TOKEN') }, {}, 'x/task.toml [verifier.env]')).toThrow(
      `x/task.toml [verifier.env].TOKEN: ${ref('API_TOKEN')} is not set on this host`,
    );
  });
});
