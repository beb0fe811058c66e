import { OracleAgent } from '@hud/agents';
import { Taskset } from '@hud/eval';
import { promptMessages, type TraceStep } from '@hud/protocol';
import { scriptedAgent, throwingAgent, untilAborted } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { closedTemplates, countTwice, env, verify } from './__fixtures__/counter-env.js';
import { perLeaseProvider, sharedServerProvider } from './__fixtures__/in-process-provider.js';

const FIRST = (word: string) => `How many 'a's are in '${word}'?`;
const SECOND = "And how many 'n's?";
const twice = (word: string, extra: { stepTimeout?: number } = {}) =>
  countTwice({ word, first: 'a', second: 'n', ...extra });

/** Answers each prompt from `answers` (by its text), recording an agent step; waits out unknown ones. */
const answering = (answers: Record<string, string>) =>
  scriptedAgent(async (context) => {
    const answer = answers[context.promptText];
    if (answer === undefined) return untilAborted(context.signal);
    context.record({ source: 'agent', content: answer, done: true });
    return { answer };
  }, 'answering');

const sources = (steps: readonly TraceStep[]) => steps.map((step) => step.source);
const evaluations = (steps: readonly TraceStep[]) =>
  steps
    .filter((step) => step.task_call?.phase === 'evaluate')
    .map((step) => step.task_call?.result);

describe('multi-step tasks (hud-ts extension)', () => {
  it("runs the agent on each step's prompt in one session; the last grade is the run's", async () => {
    const agent = answering({ [FIRST('banana')]: '3', [FIRST('anagram')]: '3', [SECOND]: '2' });
    const phases: string[] = [];
    const job = await new Taskset('steps', [twice('banana'), twice('anagram')]).run({
      agent,
      provider: perLeaseProvider(env).provider,
      onEvent: (event) => {
        if (event.type === 'phase' && event.run.slug === twice('banana').slug)
          phases.push(event.phase);
      },
    });
    const [banana, anagram] = job.runs;
    expect(banana).toMatchObject({
      status: 'completed',
      error: null,
      prompt: FIRST('banana'),
      answer: '2',
      reward: 1,
      grade: { score: 1, content: 'steps: 1, 1' },
    });
    // anagram has one 'n': its second answer is wrong, and the final grade is the mean of the steps.
    expect(anagram).toMatchObject({ reward: 0.5, grade: { score: 0.5, content: 'steps: 1, 0' } });
    expect(phases).toEqual([
      'provisioning',
      'starting task',
      'agent loop',
      'grading',
      'agent loop',
      'grading',
      'cleanup',
    ]);
    const steps = job.trace(banana?.trace_id as string)?.steps ?? [];
    expect(sources(steps)).toEqual(['task', 'user', 'agent', 'task', 'user', 'agent', 'task']);
    expect(steps.filter((step) => step.source === 'user').map((step) => step.messages)).toEqual([
      promptMessages(FIRST('banana')),
      promptMessages(SECOND),
    ]);
    expect(
      steps.filter((step) => step.source === 'task').map((step) => step.task_call?.phase),
    ).toEqual(['setup', 'evaluate', 'evaluate']);
    expect(evaluations(steps)).toEqual([
      { score: 1, done: false, prompt: SECOND },
      { score: 1, content: 'steps: 1, 1' },
    ]);
  });

  it("the oracle answers each step with that step's reference solution", async () => {
    const job = await new Taskset('steps', [twice('banana'), twice('anagram')]).run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
    });
    expect(job.runs.map((run) => run.reward)).toEqual([1, 1]);
    const answers = job.runs.map((run) =>
      job
        .trace(run.trace_id)
        ?.steps.filter((step) => step.source === 'agent')
        .map((step) => step.content),
    );
    expect(answers).toEqual([
      ['3', '2'],
      ['3', '1'],
    ]);
  });

  it('gives a step the agent time limit its grade asks for (agent_timeout_seconds); the run is still graded', async () => {
    const job = await new Taskset('steps', [twice('banana', { stepTimeout: 0.05 })]).run({
      agent: answering({ [FIRST('banana')]: '3' }),
      provider: perLeaseProvider(env).provider,
      agentTimeoutMs: 3_000,
    });
    const [run] = job.runs;
    expect(run).toMatchObject({
      status: 'error',
      stop_reason: 'timeout',
      error: '[agent loop] agent exceeded its time limit of 50 ms',
      answer: '',
      reward: 0.5,
      isError: false,
    });
    const steps = job.trace(run?.trace_id as string)?.steps ?? [];
    expect(sources(steps)).toEqual(['task', 'user', 'agent', 'task', 'user', 'system', 'task']);
  });

  it('ends at an agent error: the step is graded, and the step it opened is cancelled', async () => {
    // The shared server outlives the lease: only tasks.cancel can finish the template.
    const shared = await sharedServerProvider(env);
    try {
      const job = await new Taskset('steps', [twice('cabana')]).run({
        agent: throwingAgent,
        provider: shared.provider,
      });
      const [run] = job.runs;
      expect(run).toMatchObject({
        status: 'error',
        error: '[agent loop] model exploded',
        reward: 0,
        grade: { score: 0, done: false, prompt: SECOND },
      });
      const steps = job.trace(run?.trace_id as string)?.steps ?? [];
      expect(sources(steps)).toEqual(['task', 'user', 'agent', 'system', 'task']);
      expect(closedTemplates).toContain('count-twice:cabana');
    } finally {
      await shared[Symbol.asyncDispose]();
    }
  });

  it("runs the task's verifier once, on the last step's grade", async () => {
    const job = await new Taskset('steps', [
      { ...twice('banana'), verifier: verify({ bonus: 0.5 }) },
    ]).run({ agent: new OracleAgent(), provider: perLeaseProvider(env).provider });
    const [run] = job.runs;
    expect(run).toMatchObject({ reward: 0.5, error: null, grade: { content: 'verified' } });
    const steps = job.trace(run?.trace_id as string)?.steps ?? [];
    expect(steps.map((step) => [step.source, step.task_call?.name, step.task_call?.phase])).toEqual(
      [
        ['task', 'count-twice', 'setup'],
        ['user', undefined, undefined],
        ['agent', undefined, undefined],
        ['task', 'count-twice', 'evaluate'],
        ['user', undefined, undefined],
        ['agent', undefined, undefined],
        ['task', 'count-twice', 'evaluate'],
        ['task', 'verify', 'setup'],
        ['task', 'verify', 'evaluate'],
      ],
    );
  });
});
