import { describe, expect, it } from 'vitest';
import { HudEvalError } from './errors.js';
import { parseTask } from './task.js';
import { Task } from './task-api.js';
import { Taskset } from './taskset.js';

const row = (
  id: string,
  args: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  env: 'counter',
  id,
  args,
  ...extra,
});

describe('parseTask', () => {
  it('computes a missing slug as hud-python does and drops unknown keys', () => {
    const task = parseTask({
      env: 'counter',
      id: 'count',
      args: { sentence: 'banana', letter: 'a' },
      extra: 1,
    });
    expect(task.slug).toBe('count-e8d5ddbb');
    expect(task).not.toHaveProperty('extra');
    expect(parseTask({ env: 'e', id: 'plain' })).toEqual({
      env: 'e',
      id: 'plain',
      args: {},
      slug: 'plain',
    });
  });

  it('computes the verifier slug too, and rejects a nested verifier', () => {
    const task = parseTask(
      row('a', {}, { verifier: { env: 'judge', id: 'verify', args: { x: 1 } } }),
    );
    expect(task.verifier?.slug).toMatch(/^verify-[0-9a-f]{8}$/);
    expect(() =>
      parseTask(row('a', {}, { verifier: { env: 'j', id: 'v', verifier: { env: 'j', id: 'w' } } })),
    ).toThrow(/verifier task cannot have its own verifier/);
  });

  it('names the row and every zod issue', () => {
    let error: HudEvalError | undefined;
    try {
      parseTask({ id: 'x', args: 'nope' }, { where: 'tasks.json index 4' });
    } catch (thrown) {
      error = thrown as HudEvalError;
    }
    expect(HudEvalError.isInstance(error)).toBe(true);
    expect(error?.code).toBe('invalid_task');
    expect(error?.message).toMatch(/^tasks\.json index 4: invalid task row: .*env.*args/);
    expect(() => parseTask([1])).toThrow(/must be an object, got an array/);
  });
});

describe('Taskset', () => {
  const taskset = new Taskset('demo', [
    row('count', { word: 'aa' }),
    row('count', { word: 'bb' }),
    row('other', {}, { verifier: { env: 'judge', id: 'verify' } }),
  ]);

  it('defaults its name and rejects duplicate slugs, listing them', () => {
    expect(new Taskset().name).toBe('taskset');
    expect(() => new Taskset('d', [row('a'), row('b'), row('a'), row('b')])).toThrow(
      'duplicate task slugs: a, b',
    );
  });

  it('looks tasks up, filters, excludes and lists environments including verifiers', () => {
    const [first] = taskset.slugs;
    expect(taskset.size).toBe(3);
    expect(taskset.get(first as string)?.args).toEqual({ word: 'aa' });
    expect(taskset.has('nope')).toBe(false);
    expect(taskset.filter(['other', 'missing']).slugs).toEqual(['other']);
    expect(taskset.exclude(['other']).size).toBe(2);
    expect(taskset.environmentNames()).toEqual(['counter', 'judge']);
    expect([...taskset].map((task) => task.id)).toEqual(['count', 'count', 'other']);
  });

  it('selects by slug, template id or 0-based index, in taskset order', () => {
    expect(taskset.select(['other', '0']).slugs).toEqual([taskset.slugs[0], 'other']);
    expect(taskset.select(['count']).size).toBe(2);
    expect(taskset.select([2]).slugs).toEqual(['other']);
    expect(() => taskset.select(['zzz', '7'])).toThrow(
      /no task matches 'zzz', '7' in taskset 'demo'/,
    );
  });

  it('Task.parse validates a single row', () => {
    expect(Task.parse({ env: 'e', id: 'i' }).slug).toBe('i');
  });
});
