import { AgentError, NopAgent, OracleAgent } from '@hud/agents';
import { bind, Environment } from '@hud/environment';
import {
  type AgentContext,
  HudClient as Client,
  type HudClient,
  type StepInput,
  type TaskRow,
} from '@hud/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

// The oracle and nop agents (@hud/agents) against a served environment (@hud/environment): the oracle's
// answer is the template's solution and grades 1.0; nop's empty answer grades 0.

const env = new Environment({ name: 'agents-test' });
env.template(
  { id: 'double', args: z.object({ n: z.int() }), solution: ({ n }) => String(n * 2) },
  async function* ({ n }) {
    const answer = yield `Double ${n}.`;
    yield answer.trim() === String(n * 2) ? 1 : 0;
  },
);
env.template({ id: 'unsolved' }, async function* () {
  yield 'No reference answer here.';
  yield 0;
});

let server: Awaited<ReturnType<typeof bind>>;
beforeAll(async () => {
  server = await bind(env);
});
afterAll(async () => {
  await server.close();
});

async function contextFor(id: string, args: Record<string, unknown>) {
  const client: HudClient = await Client.connect(server.url, { heartbeatIntervalMs: 0 });
  const started = await client.startTask(id, args);
  const steps: StepInput[] = [];
  const task: TaskRow = { env: env.name, id, args, slug: id };
  const context: AgentContext = {
    task,
    prompt: started.prompt,
    promptMessages: [],
    promptText: String(started.prompt),
    bindings: [],
    episodeBindings: {},
    client,
    signal: new AbortController().signal,
    maxSteps: 10,
    record: (step) => steps.push(step),
  };
  return { context, client, steps };
}

describe('oracle', () => {
  it('answers with the template solution, which grades 1.0', async () => {
    const { context, client, steps } = await contextFor('double', { n: 21 });
    const result = await new OracleAgent().run(context);
    expect(result).toEqual({ answer: '42', stopReason: 'done' });
    expect(steps).toEqual([
      { source: 'agent', content: '42', done: true, extra: { oracle: true } },
    ]);
    expect((await client.grade({ answer: result.answer })).score).toBe(1);
    await client.close();
  });

  it('names the task when its template has no reference solution', async () => {
    const { context, client } = await contextFor('unsolved', {});
    const error = await new OracleAgent().run(context).catch((caught: unknown) => caught);
    expect(AgentError.isInstance(error) && error.code).toBe('no_solution');
    expect((error as Error).message).toBe(
      "task 'unsolved': template 'unsolved' has no reference solution",
    );
    await client.close();
  });
});

describe('nop', () => {
  it('answers the empty string, which the grader rejects', async () => {
    const { context, client } = await contextFor('double', { n: 2 });
    const result = await new NopAgent().run(context);
    expect(result.answer).toBe('');
    expect((await client.grade({ answer: result.answer })).score).toBe(0);
    await client.close();
  });
});
