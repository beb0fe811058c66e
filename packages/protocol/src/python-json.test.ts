import { describe, expect, it } from 'vitest';
import {
  asciiEscape,
  dumpsSorted,
  encodeCompact,
  formatPythonFloat,
  PyFloat,
  pyFloat,
} from './python-json.js';

// Expected texts are CPython 3.11.7's `repr(float)` and `json.dumps` output for the same values.
describe('formatPythonFloat', () => {
  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [1e20, '1e+20'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [123.456, '123.456'],
    [-0, '-0.0'],
    [1.5e300, '1.5e+300'],
    [5e-324, '5e-324'],
    [-2.5, '-2.5'],
    [1 / 3, '0.3333333333333333'],
    [2 ** 53, '9007199254740992.0'],
    [123456789012345680000, '1.2345678901234568e+20'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('%d → %s', (value, text) => {
    expect(formatPythonFloat(value)).toBe(text);
  });
});

describe('encodeCompact', () => {
  it('writes compact JSON with every non-ASCII code unit escaped, like json.dumps(separators=(",", ":"))', () => {
    expect(encodeCompact({ a: 'h\u00e9llo \u2603 😀', b: [1, null, true] })).toBe(
      '{"a":"h\\u00e9llo \\u2603 \\ud83d\\ude00","b":[1,null,true]}',
    );
  });

  it('escapes DEL (Python escapes everything outside space..~)', () => {
    expect(encodeCompact('a\u007fb')).toBe('"a\\u007fb"');
  });

  it('keeps control characters escaped as json.dumps does', () => {
    expect(encodeCompact('\n\t\u0001"\\')).toBe('"\\n\\t\\u0001\\"\\\\"');
  });

  it('writes pyFloat-marked numbers as Python floats', () => {
    expect(encodeCompact({ score: pyFloat(1), weight: pyFloat(0.5), n: 1 })).toBe(
      '{"score":1.0,"weight":0.5,"n":1}',
    );
  });

  it('refuses NaN and infinities, which JSON cannot carry', () => {
    expect(() => pyFloat(Number.NaN)).toThrow(RangeError);
    expect(() => pyFloat(Number.POSITIVE_INFINITY)).toThrow(/NaN or Infinity/);
  });

  it('leaves ASCII text untouched', () => {
    expect(asciiEscape('{"plain":"text ~"}')).toBe('{"plain":"text ~"}');
  });
});

describe('dumpsSorted', () => {
  it('matches json.dumps(sort_keys=True) separators and float forms', () => {
    expect(dumpsSorted({ b: [1, 2.5, PyFloat.of(1)], a: 'é', c: null, d: true })).toBe(
      '{"a": "\\u00e9", "b": [1, 2.5, 1.0], "c": null, "d": true}',
    );
  });

  it('writes values JSON cannot hold with str() (default=str)', () => {
    expect(dumpsSorted({ n: 12n, f: undefined })).toBe('{"n": 12}');
  });
});
