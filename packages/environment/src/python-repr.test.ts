import { describe, expect, it } from 'vitest';
import { pythonRepr } from './python-repr.js';

// Expected values are what CPython 3.11 prints for `repr(value)` of the equivalent Python value.
describe('pythonRepr', () => {
  it('writes None, True and False', () => {
    expect(pythonRepr(null)).toBe('None');
    expect(pythonRepr(undefined)).toBe('None');
    expect(pythonRepr(true)).toBe('True');
    expect(pythonRepr(false)).toBe('False');
  });

  it('writes integral numbers as ints and the rest as Python floats', () => {
    expect(pythonRepr(3)).toBe('3');
    expect(pythonRepr(-12)).toBe('-12');
    expect(pythonRepr(2.5)).toBe('2.5');
    expect(pythonRepr(0.1)).toBe('0.1');
    expect(pythonRepr(1e-7)).toBe('1e-07');
    expect(pythonRepr(1.5e300)).toBe('1.5e+300');
    expect(pythonRepr(-0)).toBe('-0.0');
  });

  it('quotes strings as Python does', () => {
    expect(pythonRepr('a')).toBe("'a'");
    expect(pythonRepr('')).toBe("''");
    expect(pythonRepr("it's")).toBe(`"it's"`);
    expect(pythonRepr(`say "hi"`)).toBe(`'say "hi"'`);
    expect(pythonRepr(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pythonRepr('back\\slash')).toBe("'back\\\\slash'");
  });

  it('escapes control characters', () => {
    expect(pythonRepr('a\nb\tc\rd')).toBe("'a\\nb\\tc\\rd'");
    expect(pythonRepr('\u0000\u0001\u001f\u007f')).toBe("'\\x00\\x01\\x1f\\x7f'");
  });

  it('keeps printable non-ASCII text as is', () => {
    expect(pythonRepr('héllo wörld ☃')).toBe("'héllo wörld ☃'");
    expect(pythonRepr('日本')).toBe("'日本'");
    expect(pythonRepr('😀')).toBe("'😀'");
  });

  it('escapes non-printable non-ASCII characters (str.isprintable is false)', () => {
    expect(pythonRepr('\u0085')).toBe("'\\x85'");
    expect(pythonRepr('a\u00a0b')).toBe("'a\\xa0b'");
    expect(pythonRepr('\u00ad')).toBe("'\\xad'");
    expect(pythonRepr('zero\u200bwidth')).toBe("'zero\\u200bwidth'");
    expect(pythonRepr('\u2028')).toBe("'\\u2028'");
    expect(pythonRepr('\u{e0001}')).toBe("'\\U000e0001'");
  });

  it('writes lists and dicts with Python separators, in insertion order', () => {
    expect(pythonRepr([1, 'a', null, true])).toBe("[1, 'a', None, True]");
    expect(pythonRepr({ x: 1, y: 4 })).toBe("{'x': 1, 'y': 4}");
    expect(pythonRepr({ b: [1, { c: 'd' }], a: {} })).toBe("{'b': [1, {'c': 'd'}], 'a': {}}");
    expect(pythonRepr([])).toBe('[]');
  });

  it('writes a dict key with an apostrophe in double quotes (repr of the key)', () => {
    expect(pythonRepr({ "it's": 1 })).toBe(`{"it's": 1}`);
  });
});
