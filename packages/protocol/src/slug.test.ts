import { describe, expect, it } from 'vitest';
import { PyFloat } from './python-json.js';
import { taskSlug } from './slug.js';

// Expected slugs were computed with CPython 3.11.7:
//   id + "-" + sha1(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()[:8]
// (hud-python 0.6.16 `Task` slug default, spec §5.1), run on the same args written as Python literals.
const CASES: [string, Record<string, unknown>, string][] = [
  ['count', { sentence: 'banana', letter: 'a' }, 'count-e8d5ddbb'],
  ['fix_bug', { difficulty: 3 }, 'fix_bug-db00eaba'],
  ['t', { word: 'héllo ☃', emoji: '😀' }, 't-9df049df'],
  ['t', { nested: { b: [1, 2, { z: null, a: true }], a: { y: false } } }, 't-58cb64d2'],
  ['t', { f: PyFloat.of(1) }, 't-d6489c2e'],
  ['t', { f: 0.1 }, 't-058a4971'],
  ['t', { f: PyFloat.of(1e20) }, 't-061d6e62'],
  ['t', { f: 1e-7, g: -2.5, h: PyFloat.of(1e16) }, 't-eb6eca1b'],
  ['t', { b: true, n: null, l: [] }, 't-e4248a90'],
  ['t', { l: [1, 'two', 3.5, [4]] }, 't-30a574ae'],
  // An integral JavaScript number is a Python int, however large.
  ['t', { big: 1e20, neg: -7 }, 't-8da677dd'],
  // Keys sort by code point (U+FFFF before U+1F600), not by UTF-16 code unit.
  ['t', { é: 1, z: 2, a: 3, Z: 4, '😀': 5, '\uffff': 6 }, 't-c7cfbfd2'],
  ['t', { s: 'quote" back\\ nl\n tab\t ctl\u0001 del\u007f' }, 't-8e6992e5'],
];

describe('taskSlug', () => {
  it.each(CASES)('%s %j → %s', (id, args, slug) => {
    expect(taskSlug(id, args)).toBe(slug);
  });

  it('is the bare id when args are empty or absent', () => {
    expect(taskSlug('count', {})).toBe('count');
    expect(taskSlug('count', undefined)).toBe('count');
  });

  it('does not depend on key insertion order', () => {
    expect(taskSlug('count', { letter: 'a', sentence: 'banana' })).toBe('count-e8d5ddbb');
  });
});
