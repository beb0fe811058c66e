import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonMatch } from './json-match.js';
import { regexMatch } from './regex-match.js';

describe('jsonMatch with an expected value', () => {
  it('gives partial credit per top-level key, as children', () => {
    const result = jsonMatch('{"a": 1, "b": [1, 2], "c": {"x": true}, "extra": 0}', {
      expected: { a: 1, b: [2, 1], c: { x: true } },
    });
    expect(result.name).toBe('json_match');
    expect(result.value).toBe(2 / 3);
    expect(result.children?.map((child) => [child.name, child.value, child.weight])).toEqual([
      ['a', 1, 1 / 3],
      ['b', 0, 1 / 3],
      ['c', 1, 1 / 3],
    ]);
  });

  it('tolerates ```json fences and prose around the JSON', () => {
    expect(jsonMatch('```json\n{"a": 1}\n```', { expected: { a: 1 } }).value).toBe(1);
    expect(jsonMatch('Here you go:\n```\n[1, 2]\n```\nThanks', { expected: [1, 2] }).value).toBe(1);
    expect(jsonMatch('The result is {"ok": true}.', { expected: { ok: true } }).value).toBe(1);
  });

  it('compares key order-insensitively and numbers by value', () => {
    expect(jsonMatch('{"b": 2.0, "a": -0}', { expected: { a: 0, b: 2 } }).value).toBe(1);
    expect(jsonMatch({ a: '1' }, { expected: { a: 1 } }).value).toBe(0);
  });

  it('scores 0 with a reason for unparseable answers and non-objects', () => {
    const broken = jsonMatch('{"a": ', { expected: { a: 1 } });
    expect(broken.value).toBe(0);
    expect(String(broken.info?.reason)).toMatch(/^answer is not valid JSON/);
    const array = jsonMatch('[1]', { expected: { a: 1 } });
    expect(array.value).toBe(0);
    expect(array.info?.reason).toBe('answer is not a JSON object');
    expect(jsonMatch('"x"', { expected: 'x' }).value).toBe(1);
  });
});

describe('jsonMatch with a zod schema', () => {
  const schema = z.object({ name: z.string(), age: z.number().int().nonnegative() });

  it('scores 1 when the answer validates and lists issues otherwise', () => {
    expect(jsonMatch('{"name": "Ada", "age": 36}', { schema, weight: 0.5 })).toMatchObject({
      value: 1,
      weight: 0.5,
    });
    const bad = jsonMatch('{"name": "Ada", "age": -1}', { schema, name: 'shape' });
    expect(bad).toMatchObject({ name: 'shape', value: 0 });
    expect(bad.info?.issues).toEqual([{ path: 'age', message: expect.any(String) }]);
  });
});

describe('regexMatch', () => {
  it('searches by default and can require a full match', () => {
    expect(regexMatch('Answer: 42', /\b42\b/)).toBe(1);
    expect(regexMatch('Answer: 420', /\b42\b/)).toBe(0);
    expect(regexMatch('Answer: 42', '\\d+', { fullMatch: true })).toBe(0);
    expect(regexMatch('42', '\\d+', { fullMatch: true })).toBe(1);
    expect(regexMatch('b', 'a|b', { fullMatch: true })).toBe(1);
    expect(regexMatch('ab', 'a|b', { fullMatch: true })).toBe(0);
  });

  it('ignores global lastIndex state and honours flags', () => {
    const global = /yes/g;
    expect([regexMatch('yes', global), regexMatch('yes', global)]).toEqual([1, 1]);
    expect(regexMatch('YES', 'yes', { flags: 'iu' })).toBe(1);
    expect(regexMatch('YES', 'yes')).toBe(0);
  });

  it('throws a GraderError for an invalid pattern', () => {
    expect(() => regexMatch('x', '(')).toThrowError(/invalid pattern/);
  });
});
