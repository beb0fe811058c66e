import { OracleAgent } from '@hud/agents';
import { Taskset } from '@hud/eval';
import { describe, expect, it } from 'vitest';
import { count, env } from './__fixtures__/counter-env.js';
import { perLeaseProvider } from './__fixtures__/in-process-provider.js';

describe('RunOptions.admit', () => {
  it('stops starting rollouts once it refuses, lets running ones finish, and says why', async () => {
    const taskset = new Taskset(
      'letters',
      ['banana', 'anagram', 'bandana', 'papaya'].map((word) => count({ word, letter: 'a' })),
    );
    let ended = 0;
    let asked = 0;
    const job = await taskset.run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
      maxConcurrent: 1,
      admit: () => {
        asked++;
        return ended >= 2 ? 'budget reached: 2 runs' : undefined;
      },
      onEvent: (event) => {
        if (event.type === 'run-end') ended++;
      },
    });
    expect(job.runs.map((run) => run.slug)).toEqual(taskset.slugs.slice(0, 2));
    expect(job.stopped).toBe('budget reached: 2 runs');
    expect(job.cancelled).toBe(false);
    expect(job.reward).toBe(1);
    expect(asked).toBe(3);
    expect(job.toJSON()).toMatchObject({ stopped: 'budget reached: 2 runs' });
  });

  it('leaves stopped null when every rollout is admitted', async () => {
    const job = await new Taskset('one', [count({ word: 'banana', letter: 'a' })]).run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
      admit: () => undefined,
    });
    expect(job.stopped).toBeNull();
    expect(job.runs).toHaveLength(1);
  });
});
