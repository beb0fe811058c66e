import type { AgentContext, Capability, JsonObject } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { agentContext } from '../__fixtures__/adapter-fixtures.js';
import { AgentError } from '../errors.js';
import { type AgentTool, type ToolProvider, textOutput } from '../tools/tool.js';
import type {
  ConversationInit,
  ModelAdapter,
  ModelToolCall,
  ModelTurn,
  ProviderEndpoint,
  ToolResultEntry,
} from './adapter.js';
import { Budget } from './budget.js';
import { RequestLimits } from './request-limits.js';
import { classifyHttpError } from './retry.js';
import { ToolLoopAgent } from './tool-loop-agent.js';

type Scripted = Partial<ModelTurn> | Error | ((history: Event[]) => Partial<ModelTurn> | Error);
type Event =
  | { kind: 'results'; results: readonly ToolResultEntry[] }
  | { kind: 'user'; text: string };

/** An in-memory adapter answering from a script; records what the loop fed back. */
function scriptedAdapter(script: Scripted[], tools: AgentTool[] = []) {
  const history: Event[] = [];
  const starts: { init: ConversationInit; endpoint: ProviderEndpoint }[] = [];
  let calls = 0;
  const provider: ToolProvider = { protocol: 'fake', create: () => tools };
  const adapter: ModelAdapter = {
    name: 'scripted',
    defaultModel: 'claude-sonnet-4-6',
    keyNames: ['SCRIPTED_API_KEY'],
    toolProviders: [provider],
    start(init, endpoint) {
      starts.push({ init, endpoint });
      return {
        async next({ signal }) {
          signal.throwIfAborted();
          calls++;
          let item = script.shift();
          if (typeof item === 'function') item = item(history);
          if (item === undefined) throw new Error('script exhausted');
          if (item instanceof Error) throw item;
          return {
            text: '',
            toolCalls: [],
            finishReason: 'end_turn',
            usage: { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 0 },
            model: 'claude-sonnet-4-6',
            ...item,
          };
        },
        addToolResults: (results) => history.push({ kind: 'results', results }),
        addUserText: (text) => history.push({ kind: 'user', text }),
      };
    },
    classifyError: classifyHttpError,
  };
  return { adapter, history, starts, calls: () => calls };
}

function context(overrides: Partial<AgentContext> = {}) {
  return agentContext({
    prompt: 'do it',
    promptMessages: [{ role: 'user', content: { type: 'text', text: 'do it' } }],
    promptText: 'do it',
    bindings: [{ name: 'fake', protocol: 'fake/1', url: 'x', params: {} } as Capability],
    traceId: 'trace1',
    ...overrides,
  });
}

function tool(name: string, run: AgentTool['run']): AgentTool {
  return { name, description: name, inputSchema: { type: 'object' }, run };
}

const call = (name: string, args: JsonObject | string, id = `c_${name}`): ModelToolCall => ({
  id,
  name,
  arguments: args,
});
const settings = { SCRIPTED_API_KEY: 'k' };

describe('ToolLoopAgent', () => {
  it('runs tools, records agent and tool steps with usage and cost, and answers the last text', async () => {
    const echo = tool('echo', async (input) => textOutput(`echo ${input.text}`));
    const { adapter, history } = scriptedAdapter(
      [
        { text: 'calling', toolCalls: [call('echo', { text: 'hi' })], finishReason: 'tool_use' },
        {
          text: 'The answer is 4.',
          usage: { prompt_tokens: 2000, completion_tokens: 10, cached_tokens: 1000 },
        },
      ],
      [echo],
    );
    const budget = new Budget();
    const agent = new ToolLoopAgent(adapter, { settings, budget });
    const { context: ctx, steps } = context();
    expect(await agent.run(ctx)).toEqual({ answer: 'The answer is 4.', stopReason: 'done' });
    expect(steps.map((step) => step.source)).toEqual(['agent', 'tool', 'agent']);
    expect(steps[0]).toMatchObject({
      content: 'calling',
      tool_calls: [{ id: 'c_echo', name: 'echo', arguments: { text: 'hi' } }],
      finish_reason: 'tool_use',
      model: 'claude-sonnet-4-6',
      done: false,
      usage: { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 0, llm_call_count: 1 },
    });
    // claude-sonnet-4-6: $3 / $15 per million, cache reads $0.30.
    expect(steps[0]?.usage?.cost_usd).toBeCloseTo((1000 * 3 + 100 * 15) / 1e6, 10);
    expect(steps[2]?.usage?.cost_usd).toBeCloseTo((1000 * 3 + 1000 * 0.3 + 10 * 15) / 1e6, 10);
    expect(steps[1]).toMatchObject({
      call: { id: 'c_echo', name: 'echo', arguments: { text: 'hi' } },
      result: { content: [{ type: 'text', text: 'echo hi' }], isError: false, call_id: 'c_echo' },
    });
    expect(history).toHaveLength(1);
    expect(budget.tokens).toBe(1100 + 2010);
    expect(budget.costUsd).toBeCloseTo(0.0045 + 0.00345, 10);
  });

  it('answers malformed JSON with a corrective error and continues', async () => {
    let ran = 0;
    const bash = tool('bash', async () => {
      ran++;
      return textOutput('ok');
    });
    const { adapter, history } = scriptedAdapter(
      [
        { toolCalls: [call('bash', '{"command": "ls')] },
        { toolCalls: [call('bash', { command: 'ls' })] },
        { text: 'done' },
      ],
      [bash],
    );
    const { context: ctx, steps } = context();
    const result = await new ToolLoopAgent(adapter, { settings }).run(ctx);
    expect(result.stopReason).toBe('done');
    expect(ran).toBe(1);
    const first = history[0] as Extract<Event, { kind: 'results' }>;
    expect(first.results[0]?.output.isError).toBe(true);
    expect(JSON.stringify(first.results[0]?.output.content)).toMatch(
      /arrived incomplete or invalid JSON.*Re-issue the call in full/,
    );
    expect(steps[1]).toMatchObject({ call: { arguments: '{"command": "ls' } });
  });

  it('stops with malformed_tool_call only when stop_on names it', async () => {
    const { adapter } = scriptedAdapter([{ toolCalls: [call('bash', '{oops')] }]);
    const { context: ctx } = context();
    const agent = new ToolLoopAgent(adapter, {
      settings,
      config: { stop_on: 'malformed_tool_call' },
    });
    expect((await agent.run(ctx)).stopReason).toBe('malformed_tool_call');
  });

  it('answers unknown tools with "unknown tool: \'x\'" instead of throwing', async () => {
    const { adapter, history } = scriptedAdapter([
      { toolCalls: [call('nope', {})] },
      { text: 'ok' },
    ]);
    const { context: ctx } = context();
    await new ToolLoopAgent(adapter, { settings }).run(ctx);
    const results = (history[0] as Extract<Event, { kind: 'results' }>).results;
    expect(results[0]?.output).toEqual({
      content: [{ type: 'text', text: "unknown tool: 'nope'" }],
      isError: true,
    });
  });

  it('gives each tool call a time limit and answers with a timeout error', async () => {
    let aborted = false;
    const hang = tool(
      'hang',
      (_input, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    );
    const { adapter, history } = scriptedAdapter(
      [{ toolCalls: [call('hang', {})] }, { text: 'ok' }],
      [hang],
    );
    const { context: ctx } = context();
    const agent = new ToolLoopAgent(adapter, { settings, config: { tool_timeout_seconds: 0.05 } });
    expect((await agent.run(ctx)).answer).toBe('ok');
    const results = (history[0] as Extract<Event, { kind: 'results' }>).results;
    expect(results[0]?.output).toEqual({
      content: [{ type: 'text', text: 'hang timed out after 0.1s; retry with a shorter command' }],
      isError: true,
    });
    expect(aborted).toBe(true);
  });

  it('answers a throwing tool with "tool error: …"', async () => {
    const boom = tool('boom', async () => {
      throw new Error('lost connection');
    });
    const { adapter, history } = scriptedAdapter(
      [{ toolCalls: [call('boom', {})] }, { text: 'ok' }],
      [boom],
    );
    const { context: ctx } = context();
    await new ToolLoopAgent(adapter, { settings }).run(ctx);
    const results = (history[0] as Extract<Event, { kind: 'results' }>).results;
    expect(results[0]?.output.content).toEqual([
      { type: 'text', text: 'tool error: lost connection' },
    ]);
  });

  it('fails the run after three tool calls in a row throw', async () => {
    const lost = tool('bash', async () => {
      throw new Error('ssh connection lost');
    });
    const again = () => ({ toolCalls: [call('bash', { command: 'ls' })] });
    const { adapter, calls } = scriptedAdapter([again, again, again, again], [lost]);
    const { context: ctx, steps } = context();
    await expect(new ToolLoopAgent(adapter, { settings }).run(ctx)).rejects.toThrow(
      /3 tool calls failed in a row \(last: bash: ssh connection lost\)/,
    );
    expect(calls()).toBe(3);
    expect(steps.filter((step) => step.source === 'tool')).toHaveLength(3);
  });

  it('stops at maxSteps with stop reason max_steps', async () => {
    const echo = tool('echo', async () => textOutput('again'));
    const forever = () => ({ text: 'more', toolCalls: [call('echo', {})] });
    const { adapter, calls } = scriptedAdapter([forever, forever, forever, forever], [echo]);
    const { context: ctx, steps } = context({ maxSteps: 3 });
    expect(await new ToolLoopAgent(adapter, { settings }).run(ctx)).toEqual({
      answer: 'more',
      stopReason: 'max_steps',
    });
    expect(calls()).toBe(3);
    expect(steps.filter((step) => step.source === 'agent')).toHaveLength(3);
  });

  it('reports length when the reply was cut at the token limit', async () => {
    const { adapter } = scriptedAdapter([{ text: 'partial', finishReason: 'max_tokens' }]);
    const { context: ctx } = context();
    expect((await new ToolLoopAgent(adapter, { settings }).run(ctx)).stopReason).toBe('length');
  });

  it('stops with timeout when the run signal aborts during a tool call', async () => {
    const controller = new AbortController();
    const slow = tool(
      'slow',
      (_input, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
          controller.abort(new Error('agent time limit'));
        }),
    );
    const { adapter } = scriptedAdapter([{ text: 'go', toolCalls: [call('slow', {})] }], [slow]);
    const { context: ctx } = context({ signal: controller.signal });
    expect(await new ToolLoopAgent(adapter, { settings }).run(ctx)).toEqual({
      answer: 'go',
      stopReason: 'timeout',
    });
  });

  it('retries 429s honouring retry-after, then succeeds', async () => {
    const rateLimited = () =>
      Object.assign(new Error('429 slow down'), {
        status: 429,
        headers: new Headers({ 'retry-after': '0.02' }),
      });
    const { adapter, calls } = scriptedAdapter([rateLimited(), rateLimited(), { text: 'fine' }]);
    const { context: ctx } = context();
    const agent = new ToolLoopAgent(adapter, {
      settings,
      config: { retry_delay_seconds: 0.001 },
    });
    expect((await agent.run(ctx)).answer).toBe('fine');
    expect(calls()).toBe(3);
  });

  it('does not retry a 400 and rejects with it', async () => {
    const bad = Object.assign(new Error('400 bad request'), { status: 400 });
    const { adapter, calls } = scriptedAdapter([bad, { text: 'never' }]);
    const { context: ctx } = context();
    await expect(new ToolLoopAgent(adapter, { settings }).run(ctx)).rejects.toThrow(
      '400 bad request',
    );
    expect(calls()).toBe(1);
  });

  it('gives up after max_retries', async () => {
    const busy = () => Object.assign(new Error('529 overloaded'), { status: 529 });
    const { adapter, calls } = scriptedAdapter([busy(), busy(), busy(), { text: 'late' }]);
    const { context: ctx } = context();
    const agent = new ToolLoopAgent(adapter, {
      settings,
      config: { max_retries: 2, retry_delay_seconds: 0.001 },
    });
    await expect(agent.run(ctx)).rejects.toThrow('529 overloaded');
    expect(calls()).toBe(3);
  });

  it('keeps model requests per endpoint under max_concurrent_requests across runs', async () => {
    let inFlight = 0;
    let peak = 0;
    const adapter: ModelAdapter = {
      ...scriptedAdapter([]).adapter,
      start: () => ({
        async next() {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight--;
          return {
            text: 'x',
            toolCalls: [],
            finishReason: 'end_turn',
            usage: { prompt_tokens: 1, completion_tokens: 1 },
            model: 'm',
          };
        },
        addToolResults() {},
        addUserText() {},
      }),
    };
    const agent = new ToolLoopAgent(adapter, {
      settings,
      requestLimits: new RequestLimits(),
      config: { max_concurrent_requests: 2 },
    });
    await Promise.all(Array.from({ length: 6 }, () => agent.run(context().context)));
    expect(peak).toBe(2);
  });

  it('routes keys: provider key direct with its base URL, else the gateway with Trace-Id', async () => {
    const direct = scriptedAdapter([{ text: 'a' }]);
    await new ToolLoopAgent(direct.adapter, {
      settings: {
        SCRIPTED_API_KEY: 'k',
        SCRIPTED_BASE_URL: 'http://127.0.0.1:9',
        HUD_API_KEY: 'h',
      },
    }).run(context().context);
    expect(direct.starts[0]?.endpoint).toEqual({
      apiKey: 'k',
      baseURL: 'http://127.0.0.1:9',
      headers: {},
      route: 'direct',
    });
    const gateway = scriptedAdapter([{ text: 'a' }]);
    await new ToolLoopAgent(gateway.adapter, { settings: { HUD_API_KEY: 'h' } }).run(
      context().context,
    );
    expect(gateway.starts[0]?.endpoint).toEqual({
      apiKey: 'h',
      baseURL: 'https://inference.hud.ai',
      headers: { 'Trace-Id': 'trace1' },
      route: 'gateway',
    });
  });

  it('refuses to start without any key, naming the settings and suggesting oracle', () => {
    const { adapter } = scriptedAdapter([]);
    let error: unknown;
    try {
      new ToolLoopAgent(adapter, { settings: {} });
    } catch (caught) {
      error = caught;
    }
    expect(AgentError.isInstance(error) && error.code).toBe('missing_key');
    expect((error as Error).message).toMatch(/SCRIPTED_API_KEY or HUD_API_KEY.*oracle/);
  });

  it('lets a harness that declares keyless servers reach a base URL without a key, whatever its name', async () => {
    const keyless = scriptedAdapter([{ text: 'a' }]);
    const adapter = { ...keyless.adapter, name: 'local_llm', keyless: true };
    const config = { base_url: 'http://127.0.0.1:9/v1' };
    await new ToolLoopAgent(adapter, { settings: {}, config }).run(context().context);
    expect(keyless.starts[0]?.endpoint).toEqual({
      apiKey: 'no-key',
      baseURL: 'http://127.0.0.1:9/v1',
      headers: {},
      route: 'explicit',
    });
    const { adapter: keyed } = scriptedAdapter([]);
    expect(() => new ToolLoopAgent(keyed, { settings: {}, config })).toThrow(/SCRIPTED_API_KEY/);
  });

  it('passes the model, system prompt and merged config to the adapter', async () => {
    const { adapter, starts } = scriptedAdapter([{ text: 'a' }]);
    const agent = new ToolLoopAgent(adapter, {
      settings,
      model: 'claude-opus-4-6',
      config: { system_prompt: 'be brief', max_tokens: 100 },
    });
    expect(agent.model).toBe('claude-opus-4-6');
    const { context: ctx } = context({
      task: { env: 'e', id: 't', args: {}, slug: 't', agent_config: { max_tokens: 5, top_k: 3 } },
    });
    await agent.run(ctx);
    expect(starts[0]?.init).toMatchObject({
      model: 'claude-opus-4-6',
      system: 'be brief',
      config: { max_tokens: 100, top_k: 3 },
    });
  });

  it('treats auto_respond without the gateway as a no-op', async () => {
    const { adapter, history } = scriptedAdapter([{ text: 'Shall I go on?' }]);
    const notes: string[] = [];
    const agent = new ToolLoopAgent(adapter, {
      settings,
      config: { auto_respond: true },
      logger: { debug: (line) => notes.push(line), warn: () => {} },
    });
    expect((await agent.run(context().context)).stopReason).toBe('done');
    expect(history).toEqual([]);
    expect(notes.join('\n')).toMatch(/auto_respond needs HUD_API_KEY/);
  });

  it('prices unknown models as null', async () => {
    const { adapter } = scriptedAdapter([{ text: 'a', model: 'mystery-model-9' }]);
    const { context: ctx, steps } = context();
    await new ToolLoopAgent(adapter, { settings }).run(ctx);
    expect(steps[0]?.usage?.cost_usd).toBeNull();
  });
});
