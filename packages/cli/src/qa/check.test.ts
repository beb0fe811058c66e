import type { RunRecord } from '@hud/eval';
import { describe, expect, it } from 'vitest';
import { checkRows, rewardsCell } from './check.js';

const run = (
  slug: string,
  groupIndex: number,
  reward: number | null,
  error: string | null = null,
) => ({ slug, group_index: groupIndex, reward, error }) as RunRecord;

describe('checkRows (hud qa check)', () => {
  it('passes a sound grader and flags oracle < 1.0, nop > 0.0, a flaky oracle and errors', () => {
    const oracle = [
      run('sound', 0, 1),
      run('sound', 1, 1),
      run('wrong', 0, 0),
      run('wrong', 1, 0),
      run('lenient', 0, 1),
      run('lenient', 1, 1),
      run('flaky', 1, 0.5),
      run('flaky', 0, 1),
      run('broken', 0, null, '[grading] grader exploded'),
    ];
    const nop = [
      run('sound', 0, 0),
      run('wrong', 0, 0),
      run('lenient', 0, 0.25),
      run('flaky', 0, 0),
      run('broken', 0, 0),
    ];
    const rows = checkRows(['sound', 'wrong', 'lenient', 'flaky', 'broken'], oracle, nop);
    expect(rows.map((row) => [row.slug, row.problems])).toEqual([
      ['sound', []],
      ['wrong', ['oracle < 1.0']],
      ['lenient', ['nop > 0.0']],
      ['flaky', ['oracle < 1.0', 'flaky oracle (rewards vary within the group)']],
      ['broken', ['oracle error: [grading] grader exploded']],
    ]);
    expect(rows[3]?.oracle).toEqual([1, 0.5]);
    expect(rewardsCell([1, null, 0.5])).toBe('1.000 — 0.500');
  });
});
