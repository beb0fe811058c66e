import type { TaskRow } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { filterRows, planLines, planSync, uploadTask } from './taskset-sync.js';

const row = (slug: string, args: TaskRow['args'], extra: Partial<TaskRow> = {}): TaskRow => ({
  env: 'letter-count',
  id: 'count',
  slug,
  args,
  ...extra,
});

describe('planSync', () => {
  it('creates local-only slugs, updates changed ones, reports remote-only, skips equal ones', () => {
    const remote = [row('a', { n: 1 }), row('b', { n: 2 }), row('old', {})];
    const local = [row('b', { n: 3 }), row('a', { n: 1 }), row('new', { n: 9 })];
    const plan = planSync(local, remote);
    expect(plan.toCreate.map((task) => task.slug)).toEqual(['new']);
    expect(plan.toUpdate.map(({ row, changed }) => [row.slug, changed])).toEqual([['b', ['args']]]);
    expect(plan.unchanged.map((task) => task.slug)).toEqual(['a']);
    expect(plan.remoteOnly.map((task) => task.slug)).toEqual(['old']);
    expect(planLines(plan)).toEqual([
      'create: new (new)',
      'update: b (args changed)',
      'remote-only: old (exists on platform but not locally)',
    ]);
  });

  it('sees key order and null fields as no change, and names non-args changes', () => {
    const remote = [row('a', { x: 1, y: 'é' }, { columns: { d: 'easy' } })];
    const same = [row('a', { y: 'é', x: 1 }, { columns: { d: 'easy' }, validation: null })];
    expect(planLines(planSync(same, remote))).toEqual([]);
    const moved = [row('a', { x: 1, y: 'é' }, { columns: { d: 'hard' }, env: 'other' })];
    expect(planLines(planSync(moved, remote))).toEqual(['update: a (columns changed)']);
    // 1 and 1.5 differ; an env rename alone is no change (the signature leaves env out, as hud-python).
    expect(
      planLines(planSync([row('a', { x: 1.5, y: 'é' }, { columns: { d: 'easy' } })], remote)),
    ).toEqual(['update: a (args changed)']);
    expect(
      planLines(
        planSync([row('a', { x: 1, y: 'é' }, { columns: { d: 'easy' }, env: 'z' })], remote),
      ),
    ).toEqual([]);
  });
});

describe('uploadTask', () => {
  it("writes hud-python's upload item: name = slug, env = {name}, task_id = id, nulls left out", () => {
    expect(
      uploadTask(row('a', { n: 1 }, { columns: { d: 1 }, validation: null, agent_config: null })),
    ).toEqual({
      name: 'a',
      env: { name: 'letter-count' },
      task_id: 'count',
      args: { n: 1 },
      columns: { d: 1 },
    });
  });
});

describe('filterRows', () => {
  const rows = [row('a', {}), row('b', {}), row('c', {})];
  it('keeps --task slugs minus --exclude slugs', () => {
    expect(filterRows(rows, [], ['b']).map((task) => task.slug)).toEqual(['a', 'c']);
    expect(filterRows(rows, ['a', 'c'], ['c']).map((task) => task.slug)).toEqual(['a']);
  });
  it('names an unknown --task slug and the slugs there are', () => {
    expect(() => filterRows(rows, ['zz'], [])).toThrow(
      '--task zz: no such task in the local taskset (tasks: a, b, c)',
    );
  });
});
