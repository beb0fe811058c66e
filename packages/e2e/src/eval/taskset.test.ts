import { environmentOfTask } from '@hud/environment';
import { parseTask, Taskset } from '@hud/eval';
import { describe, expect, it } from 'vitest';
import { count, env } from './__fixtures__/counter-env.js';

describe('parseTask', () => {
  it('keeps a template-minted row as the same object, so it still knows its environment', () => {
    const minted = count({ word: 'banana', letter: 'a' });
    const parsed = parseTask(minted);
    expect(parsed).toBe(minted);
    expect(environmentOfTask(new Taskset('t', [minted]).tasks[0] as never)).toBe(env);
  });
});
