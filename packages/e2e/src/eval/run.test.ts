import { NopAgent, OracleAgent } from '@hud/agents';
import { type JobEvent, Task, Taskset } from '@hud/eval';
import { fixedAgent, scriptedAgent } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { count, env } from './__fixtures__/counter-env.js';
import { perLeaseProvider } from './__fixtures__/in-process-provider.js';

const words = ['banana', 'anagram', 'bandana'];
const taskset = () =>
  new Taskset(
    'letters',
    words.map((word) => count({ word, letter: 'a' })),
  );

describe('taskset.run', () => {
  it('scores the oracle 1.0 over every task × group, with bounded concurrency', async () => {
    const lanes = perLeaseProvider(env);
    let inFlight = 0;
    let maxInFlight = 0;
    const job = await taskset().run({
      agent: new OracleAgent(),
      provider: lanes.provider,
      group: 2,
      maxConcurrent: 2,
      onEvent: (event) => {
        if (event.type === 'run-start') maxInFlight = Math.max(maxInFlight, ++inFlight);
        if (event.type === 'run-end') inFlight--;
      },
    });
    expect(job.runs).toHaveLength(6);
    expect(job.reward).toBe(1);
    expect(job.errors).toHaveLength(0);
    expect(job.name).toBe('letters (3 tasks) (2 times)');
    expect(job.id).toMatch(/^[0-9a-f]{32}$/);
    expect(maxInFlight).toBe(2);
    // Task-major expansion; one group id per task.
    expect(job.runs.map((run) => [run.slug, run.group_index])).toEqual(
      taskset().slugs.flatMap((slug) => [
        [slug, 0],
        [slug, 1],
      ]),
    );
    const groupIds = job.runs.map((run) => run.group_id);
    expect(groupIds[0]).toBe(groupIds[1]);
    expect(new Set(groupIds).size).toBe(3);
    expect(new Set(job.runs.map((run) => run.trace_id)).size).toBe(6);
    for (const run of job.runs) {
      expect(run).toMatchObject({
        status: 'completed',
        stop_reason: 'done',
        error: null,
        isError: false,
      });
      expect(run.grade?.score).toBe(1);
      expect(run.prompt).toBe(`How many 'a's are in '${run.task.args.word}'?`);
      expect(run.job_id).toBe(job.id);
      expect(Object.keys(run.timings)).toEqual([
        'provisioning',
        'starting',
        'agent',
        'grading',
        'cleanup',
        'total',
      ]);
    }
    expect(lanes.acquired).toBe(6);
    expect(lanes.active).toBe(0);
    expect(job.results()).toEqual(
      taskset().slugs.map((slug) => ({
        slug,
        count: 2,
        verdicts: 2,
        errors: 0,
        mean: 1,
        std: 0,
        min: 1,
        max: 1,
      })),
    );
  });

  it('scores the nop agent 0.0: a real zero is a verdict, not an error', async () => {
    const job = await taskset().run({
      agent: new NopAgent(),
      provider: perLeaseProvider(env).provider,
      group: 2,
      maxConcurrent: 2,
    });
    expect(job.reward).toBe(0);
    expect(job.errors).toHaveLength(0);
    expect(job.runs.every((run) => run.reward === 0 && run.answer === '')).toBe(true);
  });

  it('records the trace in hud-python steps: setup, prompt, agent steps, evaluate', async () => {
    const [task] = taskset().tasks;
    const job = await Task.run(task as never, {
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
    });
    expect(job.name).toBe('count');
    const [run] = job.runs;
    const trace = job.trace(run?.trace_id as string);
    expect(trace?.status).toBe('completed');
    expect(trace?.content).toBe('3');
    expect(trace?.steps.map((step) => [step.step_id, step.source, step.task_call?.phase])).toEqual([
      [1, 'task', 'setup'],
      [2, 'user', undefined],
      [3, 'agent', undefined],
      [4, 'task', 'evaluate'],
    ]);
    const [setup, user, , evaluate] = trace?.steps ?? [];
    expect(setup?.task_call).toMatchObject({
      name: 'count',
      arguments: { word: 'banana', letter: 'a' },
    });
    expect(user?.messages).toEqual([
      { role: 'user', content: { type: 'text', text: "How many 'a's are in 'banana'?" } },
    ]);
    expect(evaluate?.task_call).toMatchObject({ arguments: { answer: '3' }, result: { score: 1 } });
    expect(setup?.ended_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('sums agent usage and reports progress events in phase order', async () => {
    const agent = scriptedAgent(async (context) => {
      context.record({
        source: 'agent',
        content: 'hm',
        usage: { prompt_tokens: 10, completion_tokens: 2, cost_usd: 0.5 },
      });
      context.record({
        source: 'agent',
        content: '3',
        usage: { prompt_tokens: 5, completion_tokens: 1, cached_tokens: 4, llm_call_count: 2 },
      });
      return { answer: '3' };
    });
    const events: JobEvent[] = [];
    const job = await new Taskset('one', [count({ word: 'banana', letter: 'a' })]).run({
      agent,
      provider: perLeaseProvider(env).provider,
      onEvent: (event) => events.push(event),
    });
    expect(job.runs[0]?.usage).toEqual({
      prompt_tokens: 15,
      completion_tokens: 3,
      cached_tokens: 4,
      cost_usd: 0.5,
      llm_call_count: 3,
    });
    expect(events.map((event) => (event.type === 'phase' ? event.phase : event.type))).toEqual([
      'job-start',
      'run-start',
      'provisioning',
      'starting task',
      'agent loop',
      'grading',
      'cleanup',
      'run-end',
      'job-end',
    ]);
    const last = events.at(-1);
    expect(last?.progress).toMatchObject({
      total: 1,
      done: 1,
      running: 0,
      verdicts: 1,
      errors: 0,
      reward: 1,
    });
  });

  it('rejects bad options before starting anything', async () => {
    const lanes = perLeaseProvider(env);
    const base = { agent: fixedAgent('1'), provider: lanes.provider };
    await expect(taskset().run({ ...base, group: 0 })).rejects.toThrow(
      'group must be an integer ≥ 1',
    );
    await expect(taskset().run({ ...base, maxConcurrent: 1.5 })).rejects.toThrow('maxConcurrent');
    await expect(
      taskset().run({ ...base, agentTimeoutMs: 5000, rolloutTimeoutMs: 5000 }),
    ).rejects.toThrow(
      'the agent time limit (5000 ms) must be below the rollout time limit (5000 ms)',
    );
    const slow = new Taskset('s', [
      { ...count({ word: 'a', letter: 'a' }), agent_config: { timeout_seconds: 10 } },
    ]);
    await expect(slow.run({ ...base, rolloutTimeoutMs: 5000 })).rejects.toThrow("task 'count-");
    await expect(taskset().run({ ...base, resume: 'abc' })).rejects.toThrow(
      'resume needs the store',
    );
    expect(lanes.acquired).toBe(0);
  });
});
