import type { TaskRow } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { pickTask } from './task-source.js';

const rows: TaskRow[] = [
  { env: 'e', id: 'count', args: { text: 'banana', letter: 'a' }, slug: 'count-aaaaaaaa' },
  { env: 'e', id: 'count', args: { text: 'banana', letter: 'n' }, slug: 'count-bbbbbbbb' },
  { env: 'e', id: 'chat', args: {}, slug: 'chat' },
];

describe('pickTask (hud task TASK resolution: slug, template id, 0-based index)', () => {
  it('matches a slug first', () => {
    expect(pickTask(rows, 'count-bbbbbbbb')).toBe(rows[1]);
  });

  it('falls back to the first row of a template id', () => {
    expect(pickTask(rows, 'count')).toBe(rows[0]);
  });

  it('takes a 0-based index', () => {
    expect(pickTask(rows, '2')).toBe(rows[2]);
  });

  it('names the available slugs when nothing matches', () => {
    expect(() => pickTask(rows, 'nope')).toThrow(
      "no task 'nope' in the source (tasks: count-aaaaaaaa, count-bbbbbbbb, chat)",
    );
    expect(() => pickTask(rows, '7')).toThrow(/no task '7'/);
  });
});
