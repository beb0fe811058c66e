/**
 * Text helpers against hud-python's definitions.
 *
 * Every expected value in CASES was produced by python3 3.11.7 running the spec's definitions
 * (docs/spec/hud-python-v6.md §4.6, i.e. hud-python 0.6.16 `hud/graders/text.py`) on the same inputs;
 * the script printed this table, which is pasted unchanged.
 */
import { describe, expect, it } from 'vitest';
import {
  contains,
  containsAll,
  containsAny,
  exactMatch,
  f1Score,
  normalize,
  numericMatch,
} from './text.js';

type Case = readonly [name: string, args: readonly unknown[], options: object, expected: unknown];

// biome-ignore format: one case per line reads best
const CASES: readonly Case[] = [
  ['normalize', ['  The Answer is: 42! '], {}, 'answer is 42'],
  ['normalize', ['An apple a day'], {}, 'apple day'],
  ['normalize', ['THE END'], {}, 'end'],
  ['normalize', ['theater and anthem'], {}, 'theater and anthem'],
  ['normalize', ['a.b.c'], {}, 'b c'],
  ['normalize', ['Hello,   world!!!'], {}, 'hello world'],
  ['normalize', ['tab\u0009and\u000anewline\u000d\u000a'], {}, 'tab and newline'],
  ['normalize', ['Café au lait'], {}, 'café au lait'],
  ['normalize', ['cafe\u0301'], {}, 'cafe'],
  ['normalize', ['Ünïcödé \u2014 dash'], {}, 'ünïcödé dash'],
  ['normalize', ['snake_case_word (x)'], {}, 'snake_case_word x'],
  ['normalize', ['İstanbul'], {}, 'i stanbul'],
  ['normalize', ['ΟΔΟΣ.'], {}, 'οδος'],
  ['normalize', ['日本語のテキスト\u3001です\u3002'], {}, '日本語のテキスト です'],
  ['normalize', ['x\u00a0y'], {}, 'x y'],
  ['normalize', ['a\u2003the\u3000an'], {}, ''],
  ['normalize', ['\u001ca\u001fb'], {}, 'b'],
  ['normalize', ['½ cup'], {}, '½ cup'],
  ['normalize', ['Chapter Ⅻ'], {}, 'chapter ⅻ'],
  ['normalize', ['don\'t'], {}, 'don t'],
  ['normalize', [''], {}, ''],
  ['normalize', ['the'], {}, ''],
  ['normalize', ['A-n-the-x'], {}, 'n x'],
  ['normalize', ['emoji \u{1f389} party'], {}, 'emoji party'],
  ['normalize', ['\u{1d7d8}\u{1d7d9} é a\u0301'], {}, '\u{1d7d8}\u{1d7d9} é'],
  ['normalize', ['\ufeffbom a'], {}, 'bom'],
  ['normalize', ['über a ü'], {}, 'über ü'],
  ['normalize', ['éa theé añ ñan'], {}, 'éa theé añ ñan'],
  ['normalize', ['Ça, the α-an-ω'], {}, 'ça α ω'],
  ['exactMatch', ['The Paris!', 'paris'], {}, 1.0],
  ['exactMatch', ['Paris, France', 'paris'], {}, 0.0],
  ['exactMatch', ['  PARIS ', 'paris'], { normalizeText: false }, 1.0],
  ['exactMatch', ['Paris!', 'paris'], { normalizeText: false }, 0.0],
  ['exactMatch', ['\ufeff42', '42'], { normalizeText: false }, 0.0],
  ['exactMatch', ['\u001c42\u0085', '42'], { normalizeText: false }, 1.0],
  ['exactMatch', [42, '42'], {}, 1.0],
  ['exactMatch', ['an answer', 'answer'], {}, 1.0],
  ['exactMatch', ['ΣΊΣΥΦΟΣ', 'σίσυφος'], {}, 1.0],
  ['exactMatch', ['Straße', 'STRASSE'], {}, 0.0],
  ['exactMatch', ['the', ''], {}, 1.0],
  ['contains', ['Hello World', 'world'], {}, 1.0],
  ['contains', ['Hello World', 'world'], { caseSensitive: true }, 0.0],
  ['contains', ['Hello World', 'World'], { caseSensitive: true }, 1.0],
  ['contains', ['abc', ''], {}, 1.0],
  ['contains', ['', 'a'], {}, 0.0],
  ['contains', ['STRASSE', 'ß'], {}, 0.0],
  ['contains', ['İ', 'i'], {}, 1.0],
  ['containsAny', ['The cat sat', ['dog', 'cat']], {}, 1.0],
  ['containsAny', ['The cat sat', ['dog', 'bird']], {}, 0.0],
  ['containsAny', ['The cat sat', []], {}, 0.0],
  ['containsAny', ['The CAT', ['cat']], { caseSensitive: true }, 0.0],
  ['containsAll', ['red green blue', ['red', 'blue']], {}, 1.0],
  ['containsAll', ['red green blue', ['red', 'pink']], {}, 0.0],
  ['containsAll', ['anything', []], {}, 1.0],
  ['containsAll', ['Red Green', ['red', 'Green']], { caseSensitive: true }, 0.0],
  ['numericMatch', ['The answer is 42.', 42], {}, 1.0],
  ['numericMatch', ['-3.5 degrees', -3.5], {}, 1.0],
  ['numericMatch', ['about 3.14159', 3.14], { tolerance: 0.01 }, 1.0],
  ['numericMatch', ['about 3.14159', 3.14], {}, 0.0],
  ['numericMatch', ['no numbers here', 0], {}, 0.0],
  ['numericMatch', ['1,000,000', 1000000], {}, 0.0],
  ['numericMatch', ['v2.0.1', 2], {}, 1.0],
  ['numericMatch', ['x = - 5', -5], {}, 0.0],
  ['numericMatch', ['٤٢ apples', 42], {}, 1.0],
  ['numericMatch', ['1e5', 100000], {}, 0.0],
  ['numericMatch', ['.5', 0.5], {}, 0.0],
  ['numericMatch', [7, 7], {}, 1.0],
  ['numericMatch', ['\u{1d7e0}', 8], {}, 1.0],
  ['numericMatch', ['3. apples', 3], {}, 1.0],
  ['numericMatch', ['12abc34', 34], {}, 0.0],
  ['numericMatch', ['0.1 + 0.2', 0.1], { tolerance: 0 }, 1.0],
  ['numericMatch', ['0.30000000000000004', 0.30000000000000004], {}, 1.0],
  ['numericMatch', ['-0', 0], {}, 1.0],
  ['f1Score', ['The capital is Paris, France', 'Paris'], {}, 0.4],
  ['f1Score', ['Paris', 'Paris'], {}, 1.0],
  ['f1Score', ['paris paris london', 'paris london london'], {}, 0.6666666666666666],
  ['f1Score', ['', 'x'], {}, 0.0],
  ['f1Score', ['the a an', 'the'], {}, 0.0],
  ['f1Score', ['cat', 'dog'], {}, 0.0],
  ['f1Score', ['new york city', 'New York'], {}, 0.8],
  ['f1Score', ['café', 'cafe\u0301'], {}, 0.0],
  ['f1Score', ['a b c d e f g', 'b d f h'], {}, 0.6],
];

const FUNCTIONS: Record<string, (...args: never[]) => unknown> = {
  normalize,
  exactMatch,
  contains,
  containsAny,
  containsAll,
  numericMatch,
  f1Score,
};

describe('text helpers match python3 running the hud-python definitions', () => {
  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES.map((entry, index) => [index, ...entry] as const))(
    '#%i %s(%j, %j)',
    (_index, name, args, options, expected) => {
      const fn = FUNCTIONS[name] as (...args: unknown[]) => unknown;
      const result = name === 'normalize' ? fn(...args) : fn(...args, options);
      expect(result).toBe(expected);
    },
  );
});

describe('non-string answers', () => {
  it('treats null and undefined as empty text (Python would write "None")', () => {
    expect(normalize(null)).toBe('');
    expect(normalize(undefined)).toBe('');
    expect(exactMatch(null, '')).toBe(1);
    expect(contains(undefined, 'None')).toBe(0);
    expect(numericMatch(null, 0)).toBe(0);
    expect(f1Score(undefined, 'x')).toBe(0);
  });

  it('converts numbers and booleans with String() and objects with JSON', () => {
    expect(exactMatch(3.5, '3.5', { normalizeText: false })).toBe(1);
    expect(numericMatch(-12.25, -12.25)).toBe(1);
    expect(contains(true, 'true', { caseSensitive: true })).toBe(1);
    expect(contains({ answer: 42 }, '"answer":42')).toBe(1);
    expect(numericMatch([7, 8], 7)).toBe(1);
  });
});
