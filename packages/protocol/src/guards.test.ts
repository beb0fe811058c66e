import { describe, expect, it } from 'vitest';
import { errorMessage, isRecord } from './guards.js';

describe('isRecord', () => {
  it('accepts objects and refuses null, arrays and primitives', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    for (const value of [null, undefined, [], [1], 'a', 1, true])
      expect(isRecord(value)).toBe(false);
  });
});

describe('errorMessage', () => {
  it("gives an Error's message and the text of anything else thrown", () => {
    expect(errorMessage(new TypeError('bad input'))).toBe('bad input');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
