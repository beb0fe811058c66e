import { bind, Environment } from '@hud/environment';
import { HudClient as Client, type HudClient, type StepInput, type TaskRow } from '@hud/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentContext } from './agent.js';
import { AgentError } from './errors.js';
import type { ModelAdapter } from './model/adapter.js';
import { ToolLoopAgent } from './model/tool-loop-agent.js';
import { NopAgent } from './nop-agent.js';
import { OracleAgent } from './oracle-agent.js';
import {
  agentNames,
  createAgent,
  modelAgentInfo,
  registerAgent,
  registerModelAdapter,
} from './registry.js';

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

describe('createAgent', () => {
  it('builds the built-in agents', () => {
    expect(createAgent('oracle').name).toBe('oracle');
    expect(createAgent('nop').name).toBe('nop');
  });

  it('names the keys a model agent needs and suggests oracle when none is set', () => {
    let error: unknown;
    try {
      createAgent('claude', { settings: {} });
    } catch (caught) {
      error = caught;
    }
    expect(AgentError.isInstance(error) && error.code).toBe('missing_key');
    expect((error as Error).message).toMatch(/ANTHROPIC_API_KEY or HUD_API_KEY.*oracle/);
  });

  it('builds a model agent once its key is set (every model harness is registered)', () => {
    const agent = createAgent('gemini', { settings: { GEMINI_API_KEY: 'k' } });
    expect(agent).toBeInstanceOf(ToolLoopAgent);
    expect(agent.name).toBe('gemini');
  });

  it('loads each model harness with the name, default model and keys its spec states', async () => {
    const keyless: Record<string, boolean> = {};
    for (const name of ['claude', 'openai', 'gemini', 'openai_compatible']) {
      const spec = modelAgentInfo(name);
      const agent = createAgent(name, { settings: { HUD_API_KEY: 'h' } }) as ToolLoopAgent;
      const adapter = await agent.adapter();
      expect(agent.model).toBe(spec?.defaultModel);
      expect([adapter.name, adapter.defaultModel, adapter.keyNames]).toEqual([
        name,
        spec?.defaultModel,
        spec?.keyNames,
      ]);
      keyless[name] = adapter.keyless === true;
    }
    expect(keyless).toEqual({
      claude: false,
      openai: false,
      gemini: false,
      openai_compatible: true,
    });
  });

  it('registers a model harness with its keys, default model and keyless servers', () => {
    const adapter: ModelAdapter = {
      name: 'local_llm',
      defaultModel: 'local-1',
      keyNames: ['LOCAL_LLM_API_KEY'],
      toolProviders: [],
      start: () => {
        throw new Error('not called');
      },
      classifyError: () => ({ status: undefined, retryable: false, retryAfterMs: undefined }),
    };
    registerModelAdapter('local_llm', async () => ({ adapter }), {
      keyNames: ['LOCAL_LLM_API_KEY'],
      defaultModel: 'local-1',
      keyless: true,
    });
    const agent = createAgent('local_llm', {
      settings: {},
      config: { base_url: 'http://127.0.0.1:9/v1' },
    });
    expect(agent.model).toBe('local-1');
    expect(() => createAgent('local_llm', { settings: {} })).toThrow(
      /LOCAL_LLM_API_KEY or HUD_API_KEY/,
    );
  });

  it('refuses unknown names and lists the known ones', () => {
    expect(() => createAgent('nope')).toThrow(/unknown agent 'nope' \(known: oracle, nop, claude/);
  });

  it('finds registered agents', () => {
    registerAgent('echo', () => ({
      name: 'echo',
      run: async (context) => ({ answer: context.promptText }),
    }));
    expect(createAgent('echo').name).toBe('echo');
    expect(agentNames()).toContain('echo');
  });
});
