/**
 * Judge parsing and rubric arithmetic. Expected values were printed by python3 3.11.7 running hud-python
 * 0.6.16 `_parse_verdict` and `_rubric_value` (spec §4.4) on the same inputs.
 */
import { describe, expect, it } from 'vitest';
import { judgeUserPrompt, parseJudgeVerdict, rubricValue } from './judge-prompt.js';
import { subscore } from './results.js';

describe('parseJudgeVerdict (python3 reference values)', () => {
  it.each<[string, boolean, string]>([
    ['{"criterion_status": "MET", "explanation": "ok"}', true, 'ok'],
    ['```json\n{"criterion_status": "met", "explanation": "lower"}\n```', true, 'lower'],
    ['Sure! {"criterion_status": "UNMET", "explanation": "nope"} done', false, 'nope'],
    ['The criterion is MET.', true, 'The criterion is MET.'],
    ['UNMET because reasons', false, 'UNMET because reasons'],
    ['no verdict here', false, 'no verdict here'],
    ['{"criterion_status": null}', false, ''],
    ['[1, 2]', false, '[1, 2]'],
    ['{broken json MET', true, '{broken json MET'],
    ['```\n{"criterion_status":"MET"}\n```', true, ''],
    ['{"explanation": "missing status"}', false, 'missing status'],
    ['  \n{"criterion_status": "Met ", "explanation": 5}', false, '5'],
  ])('%j → met=%s reason=%j', (content, met, reason) => {
    expect(parseJudgeVerdict(content)).toEqual({ met, reason });
  });

  it('keeps only the first 200 characters (code points) of an unparseable reply', () => {
    const reply = `MET ${'é'.repeat(300)}`;
    const { met, reason } = parseJudgeVerdict(reply);
    expect(met).toBe(true);
    expect(Array.from(reason)).toHaveLength(200);
  });
});

describe('rubricValue (python3 reference values)', () => {
  it.each<[[number, number][], number]>([
    [
      [
        [1, 1],
        [0, 1],
      ],
      0.5,
    ],
    [
      [
        [1, 2],
        [0, 1],
        [1, -1],
      ],
      0.3333333333333333,
    ],
    [
      [
        [1, 1],
        [1, -3],
      ],
      0,
    ],
    [
      [
        [0, -1],
        [0, -2],
      ],
      1,
    ],
    [
      [
        [1, -1],
        [0, -3],
      ],
      0.75,
    ],
    [
      [
        [1, -1],
        [1, -1],
      ],
      0,
    ],
    [[[0, 0]], 0],
    [
      [
        [1, 0.3],
        [1, 0.6],
        [0, 0.1],
        [1, -0.2],
      ],
      0.7000000000000001,
    ],
  ])('%j → %d', (items, expected) => {
    const verdicts = items.map(([value, weight], index) =>
      subscore({ name: `c${index}`, value, weight }),
    );
    expect(rubricValue(verdicts)).toBe(expected);
  });
});

describe('judgeUserPrompt', () => {
  it('builds hud-python’s exact structure, with <query> only for a non-empty question', () => {
    expect(judgeUserPrompt({ requirement: 'Is polite', weight: 1 }, 'Hi!', '')).toBe(
      '<criterion_type>\npositive\n</criterion_type>\n\n<criterion>\nIs polite\n</criterion>\n\n' +
        '<response>\nHi!\n</response>',
    );
    expect(judgeUserPrompt({ requirement: 'Lies', weight: -0.5 }, 'A', 'Q?')).toBe(
      '<criterion_type>\nnegative\n</criterion_type>\n\n<criterion>\nLies\n</criterion>\n\n' +
        '<query>\nQ?\n</query>\n\n<response>\nA\n</response>',
    );
  });
});
