import { describe, expect, it } from 'vitest';
import { groupStats } from './group-stats.js';
import type { RunRecord } from './run-record.js';

/** A run of `slug` in group `group` with reward `reward` (null: no verdict). */
function run(trace: string, group: string, reward: number | null, slug = group): RunRecord {
  return {
    trace_id: trace,
    job_id: 'job',
    group_id: group,
    group_index: 0,
    slug,
    task: { env: 'e', id: 't', args: {}, slug },
    prompt: 'p',
    bindings: [],
    answer: '',
    grade: reward === null ? null : { score: reward },
    reward,
    isError: reward === null,
    status: reward === null ? 'error' : 'completed',
    stop_reason: 'done',
    error: reward === null ? '[agent loop] boom' : null,
    timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
    usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: null,
      llm_call_count: 0,
    },
    started_at: '2026-01-01T00:00:00.000000Z',
    ended_at: '2026-01-01T00:00:01.000000Z',
  };
}

describe('groupStats', () => {
  const runs = [
    run('a1', 'ga', 1),
    run('a2', 'ga', 0),
    run('a3', 'ga', 1),
    run('a4', 'ga', 0),
    run('b1', 'gb', 1),
    run('b2', 'gb', 1),
    run('c1', 'gc', 0.5),
    run('c2', 'gc', null),
  ];

  it('gives each group its mean, std and spread, and each run reward − group mean', () => {
    const stats = groupStats(runs);
    expect(stats.groups).toEqual([
      { group_id: 'ga', slug: 'ga', runs: 4, verdicts: 4, mean: 0.5, std: 0.5, spread: true },
      { group_id: 'gb', slug: 'gb', runs: 2, verdicts: 2, mean: 1, std: 0, spread: false },
      { group_id: 'gc', slug: 'gc', runs: 2, verdicts: 1, mean: 0.5, std: 0, spread: false },
    ]);
    expect(stats.groupsWithSpread).toBe(1);
    expect(['a1', 'a2', 'b1', 'c1'].map((id) => stats.advantages.get(id)?.advantage)).toEqual([
      0.5, -0.5, 0, 0,
    ]);
  });

  it('gives a run without a verdict a null advantage and leaves it out of the mean', () => {
    const stats = groupStats(runs);
    expect(stats.advantages.get('c2')).toEqual({
      trace_id: 'c2',
      group_id: 'gc',
      slug: 'gc',
      reward: null,
      advantage: null,
    });
  });

  it('divides by std + epsilon with normalizeStd (a group without spread stays at 0)', () => {
    const stats = groupStats(runs, { normalizeStd: true, epsilon: 0.5 });
    expect(stats.advantages.get('a1')?.advantage).toBe(0.5);
    expect(stats.advantages.get('a2')?.advantage).toBe(-0.5);
    expect(stats.advantages.get('b1')?.advantage).toBe(0);
  });

  it('sums the advantages of each group to 0', () => {
    const uneven = [0.1, 0.7, 0.3, 0.95, 0.2].map((reward, i) => run(`u${i}`, 'gu', reward));
    for (const normalizeStd of [false, true]) {
      const { advantages } = groupStats(uneven, { normalizeStd });
      const sum = [...advantages.values()].reduce((total, a) => total + (a.advantage ?? 0), 0);
      expect(Math.abs(sum)).toBeLessThan(1e-9);
    }
  });

  it('refuses a negative epsilon', () => {
    expect(() => groupStats(runs, { epsilon: -1 })).toThrow(
      'epsilon must be a finite number ≥ 0, got -1',
    );
  });
});
