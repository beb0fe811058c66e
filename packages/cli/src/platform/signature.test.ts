import { PyFloat, type TaskRow } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { dumpsCompactSorted, taskSignature } from './signature.js';

// Every expected text below is CPython 3's output for the same value:
//   task.id + "|" + json.dumps(d, sort_keys=True, default=str, separators=(",", ":"))
// (d = what task.model_dump(exclude_none=True, exclude={"env", "id", "slug"}) returns for the row).
describe('taskSignature', () => {
  it('is the id, a bar and the compact sorted args', () => {
    const row: TaskRow = {
      env: 'letter-count',
      id: 'count',
      slug: 'count-1',
      args: { word: 'strawberry', letter: 'r' },
    };
    expect(taskSignature(row)).toBe('count|{"args":{"letter":"r","word":"strawberry"}}');
  });

  it('escapes non-ASCII as \\uXXXX (surrogate pairs split) and writes Python floats', () => {
    const row: TaskRow = {
      env: 'e',
      id: 'count',
      slug: 's',
      args: {
        word: 'caf\u00e9 \u2603 \u{1F600}',
        b: [1, 2.5, PyFloat.of(1), PyFloat.of(1e20), 1e-5, 0.1, null, true],
      } as TaskRow['args'],
      columns: { z: 1, a: { y: null } },
      validation: null,
    };
    expect(taskSignature(row)).toBe(
      'count|{"args":{"b":[1,2.5,1.0,1e+20,1e-05,0.1,null,true],"word":"caf\\u00e9 \\u2603 \\ud83d\\ude00"},"columns":{"a":{"y":null},"z":1}}',
    );
  });

  it('keeps agent_config, runtime_config and the whole verifier row, drops null fields', () => {
    const row: TaskRow = {
      env: 'e',
      id: 'fix',
      slug: 'fix',
      args: {},
      agent_config: { timeout_seconds: 900 },
      runtime_config: { image: 'x', resources: { cpu: 4 }, compose: null },
      verifier: { env: 'judge', id: 'v', args: { e: 'x' }, slug: 'v-1', columns: null },
      columns: null,
    };
    expect(taskSignature(row)).toBe(
      'fix|{"agent_config":{"timeout_seconds":900},"args":{},"runtime_config":{"image":"x","resources":{"cpu":4}},"verifier":{"args":{"e":"x"},"env":"judge","id":"v","slug":"v-1"}}',
    );
  });

  it('sorts keys by code point, not UTF-16 unit, and escapes DEL', () => {
    const row: TaskRow = {
      env: 'e',
      id: 'k',
      slug: 'k',
      args: { '\u{1F600}': 1, '\uff5e': 2, b: 3, B: 4, 'a\u007f': 'del' },
    };
    expect(taskSignature(row)).toBe(
      'k|{"args":{"B":4,"a\\u007f":"del","b":3,"\\uff5e":2,"\\ud83d\\ude00":1}}',
    );
  });

  it('ignores env and slug: a row moved to another environment keeps its signature', () => {
    const a: TaskRow = { env: 'one', id: 'count', slug: 'a', args: { n: 1 } };
    expect(taskSignature({ ...a, env: 'two', slug: 'b' })).toBe(taskSignature(a));
    expect(taskSignature({ ...a, id: 'other' })).not.toBe(taskSignature(a));
  });
});

describe('dumpsCompactSorted', () => {
  it.each([
    [PyFloat.of(1e16), '1e+16'],
    [123456789.123, '123456789.123'],
    [-0, '-0.0'],
    [2 ** 60, '1152921504606846976'],
    ['"\n\\', '"\\"\\n\\\\"'],
    [{ b: [], a: {} }, '{"a":{},"b":[]}'],
  ])('%s → %s (json.dumps)', (value, text) => {
    expect(dumpsCompactSorted(value)).toBe(text);
  });
});
