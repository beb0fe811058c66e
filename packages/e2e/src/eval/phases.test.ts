import { NopAgent, OracleAgent } from '@hud/agents';
import { Taskset } from '@hud/eval';
import type { Provider } from '@hud/protocol';
import { fixedAgent, hangingAgent, scriptedAgent, throwingAgent, untilAborted } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { brokenGrader, count, env, explode, verify } from './__fixtures__/counter-env.js';
import { expectUngraded } from './__fixtures__/expect-runs.js';
import { perLeaseProvider } from './__fixtures__/in-process-provider.js';

const banana = () => count({ word: 'banana', letter: 'a' });

describe('rollout phases and failure isolation', () => {
  it('records a provider failure in provisioning and keeps the job going', async () => {
    const lanes = perLeaseProvider(env);
    const provider: Provider = async (task, options) => {
      if (task.args.word === 'anagram') throw new Error('no capacity');
      return lanes.provider(task, options);
    };
    const job = await new Taskset(
      't',
      ['banana', 'anagram', 'bandana'].map((word) => count({ word, letter: 'a' })),
    ).run({
      agent: new OracleAgent(),
      provider,
    });
    expect(job.runs.map((run) => run.status)).toEqual(['completed', 'error', 'completed']);
    const failed = job.runs[1];
    expect(failed).toMatchObject({
      error: '[provisioning] no capacity',
      grade: null,
      reward: null,
      isError: true,
      prompt: null,
    });
    expect(job.trace(failed?.trace_id as string)?.steps).toEqual([
      expect.objectContaining({
        step_id: 1,
        source: 'system',
        error: '[provisioning] no capacity',
      }),
    ]);
    expect(job.reward).toBe(1);
    expect(lanes.active).toBe(0);
  });

  it('records a template that throws before its first yield in starting task', async () => {
    const lanes = perLeaseProvider(env);
    const job = await new Taskset('t', [explode({ n: 7 }), banana()]).run({
      agent: new OracleAgent(),
      provider: lanes.provider,
    });
    expect(job.runs[0]?.error).toMatch(/^\[starting task\] .*setup failed for 7/);
    expect(job.runs[0]?.status).toBe('error');
    expect(job.runs[1]?.reward).toBe(1);
    expect(lanes.active).toBe(0);
  });

  it('still grades a run whose agent threw', async () => {
    const job = await new Taskset('t', [banana()]).run({
      agent: throwingAgent,
      provider: perLeaseProvider(env).provider,
    });
    const [run] = job.runs;
    expect(run).toMatchObject({
      status: 'error',
      error: '[agent loop] model exploded',
      answer: '',
      reward: 0,
      isError: false,
    });
    expect(run?.grade).toMatchObject({ score: 0 });
    const steps = job.trace(run?.trace_id as string)?.steps ?? [];
    expect(steps.map((step) => step.source)).toEqual(['task', 'user', 'agent', 'system', 'task']);
    expect(steps[4]?.task_call?.phase).toBe('evaluate');
  });

  it('ends an agent at its time limit with stop reason timeout, and still grades it', async () => {
    const agent = scriptedAgent((context) => untilAborted(context.signal));
    const job = await new Taskset('t', [banana()]).run({
      agent,
      provider: perLeaseProvider(env).provider,
      agentTimeoutMs: 50,
    });
    const [run] = job.runs;
    expect(run).toMatchObject({
      status: 'error',
      stop_reason: 'timeout',
      reward: 0,
      isError: false,
    });
    expect(run?.error).toBe('[agent loop] agent exceeded its time limit of 50 ms');
    expect(job.trace(run?.trace_id as string)?.steps.at(-1)?.task_call?.phase).toBe('evaluate');
  });

  it("honours a row's agent_config.timeout_seconds over agentTimeoutMs", async () => {
    const agent = scriptedAgent((context) => untilAborted(context.signal));
    const task = { ...banana(), agent_config: { timeout_seconds: 0.05 } };
    const job = await new Taskset('t', [task]).run({
      agent,
      provider: perLeaseProvider(env).provider,
      agentTimeoutMs: 600_000,
    });
    expect(job.runs[0]?.stop_reason).toBe('timeout');
  });

  it('bounds the whole rollout: a hanging agent that ignores its signal errors the run, the job completes', async () => {
    const lanes = perLeaseProvider(env);
    const job = await new Taskset('t', [banana(), count({ word: 'anagram', letter: 'a' })]).run({
      agent: hangingAgent,
      provider: lanes.provider,
      rolloutTimeoutMs: 200,
    });
    expectUngraded(job, {
      status: 'error',
      stop_reason: 'timeout',
      error: '[agent loop] rollout exceeded its time limit of 200 ms',
    });
    expect(job.errors).toHaveLength(2);
    // Background teardown finished before the job resolved.
    expect(lanes.active).toBe(0);
  });

  it('treats an isError grade as no verdict', async () => {
    const job = await new Taskset('t', [brokenGrader({}), banana()]).run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
    });
    const [broken, good] = job.runs;
    expect(broken).toMatchObject({
      status: 'error',
      error: '[grading] grader could not run',
      reward: null,
      isError: true,
    });
    expect(broken?.grade).toMatchObject({ score: 0, isError: true });
    expect(job.trace(broken?.trace_id as string)?.steps.at(-1)?.error).toBe('grader could not run');
    expect(good?.reward).toBe(1);
    expect(job.reward).toBe(1);
  });

  it('averages job.reward over runs with a verdict only (exact numbers)', async () => {
    // Answers '2' everywhere: banana (3) → 0, aa (2) → 1, abc (1) → 0; explode and the broken grader have
    // no verdict.
    const tasks = [
      banana(),
      count({ word: 'aa', letter: 'a' }),
      count({ word: 'abc', letter: 'a' }),
      explode({ n: 1 }),
      brokenGrader({}),
    ];
    const job = await new Taskset('mix', tasks).run({
      agent: fixedAgent('2'),
      provider: perLeaseProvider(env).provider,
      group: 2,
    });
    expect(job.runs).toHaveLength(10);
    expect(job.reward).toBeCloseTo(1 / 3, 12);
    expect(job.errors).toHaveLength(4);
    expect(job.totals()).toEqual({
      runs: 10,
      verdicts: 6,
      errors: 4,
      cancelled: 0,
      reward: job.reward,
    });
    const results = job.results();
    expect(results.map((result) => [result.mean, result.errors])).toEqual([
      [0, 0],
      [1, 0],
      [0, 0],
      [null, 2],
      [null, 2],
    ]);
  });

  it('records a cleanup failure without losing the verdict', async () => {
    const lanes = perLeaseProvider(env);
    const provider: Provider = async (task, options) => {
      const lease = await lanes.provider(task, options);
      return {
        url: lease.url,
        [Symbol.asyncDispose]: async () => {
          await lease[Symbol.asyncDispose]();
          throw new Error('container would not die');
        },
      };
    };
    const job = await new Taskset('t', [banana()]).run({ agent: new OracleAgent(), provider });
    expect(job.runs[0]).toMatchObject({
      reward: 1,
      isError: false,
      error: '[cleanup] releasing the runtime: container would not die',
    });
    expect(job.reward).toBe(1);
  });

  it('a nop agent over a failing provider leaves no verdicts: reward is null, not 0', async () => {
    const provider: Provider = async () => {
      throw new Error('down');
    };
    const job = await new Taskset('t', [banana()]).run({
      agent: new NopAgent(),
      provider,
      group: 3,
    });
    expect(job.reward).toBeNull();
    expect(job.errors).toHaveLength(3);
  });

  it('runs a same-environment verifier on the actor grade; its grade is the verdict', async () => {
    const verifier = verify({ bonus: 0.5 });
    const phases: string[] = [];
    const job = await new Taskset('v', [
      { ...banana(), verifier },
      { ...brokenGrader({}), verifier },
    ]).run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
      onEvent: (event) => {
        if (event.type === 'phase' && event.run.slug === banana().slug) phases.push(event.phase);
      },
    });
    const [verified, rescued] = job.runs;
    expect(verified).toMatchObject({
      reward: 0.5,
      isError: false,
      error: null,
      status: 'completed',
    });
    expect(verified?.grade?.content).toBe('verified');
    expect(phases).toEqual([
      'provisioning',
      'starting task',
      'agent loop',
      'grading',
      'verifying',
      'cleanup',
    ]);
    const steps = job.trace(verified?.trace_id as string)?.steps ?? [];
    expect(steps.map((step) => [step.source, step.task_call?.name, step.task_call?.phase])).toEqual(
      [
        ['task', 'count', 'setup'],
        ['user', undefined, undefined],
        ['agent', undefined, undefined],
        ['task', 'count', 'evaluate'],
        ['task', 'verify', 'setup'],
        ['task', 'verify', 'evaluate'],
      ],
    );
    expect(steps[5]?.task_call?.arguments).toEqual({ answer: { score: 1 } });
    // The actor's grader failed (isError); the verifier's verdict stands.
    expect(rescued).toMatchObject({ reward: 0.25, isError: false, error: null });
    expect(job.reward).toBe(0.375);
  });

  it('refuses a verifier that needs another environment, naming it', async () => {
    const verifier = { env: 'judge', id: 'check', args: {}, slug: 'check' };
    const job = await new Taskset('v', [{ ...banana(), verifier }]).run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
    });
    expect(job.runs[0]).toMatchObject({ grade: null, isError: true, status: 'error' });
    expect(job.runs[0]?.error).toMatch(
      /^\[verifying\] verifier 'check' needs its own runtime \(env 'judge'\)/,
    );
  });
});
