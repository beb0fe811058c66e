import {
  type FakeProvider,
  type FakeTurn,
  openaiChatCompletionsRoute,
  type ProviderRoute,
} from '@hud/testing';
import { describe, expect, it } from 'vitest';
import * as fixtures from '../../__fixtures__/adapter-fixtures.js';
import { openAIErrorTests } from '../../__fixtures__/openai-error-tests.js';
import { AgentError } from '../../errors.js';
import type { ConversationInit, ProviderEndpoint } from '../../model/adapter.js';
import { RequestLimits } from '../../model/request-limits.js';
import { ToolLoopAgent } from '../../model/tool-loop-agent.js';
import { errorOutput, type ToolProvider } from '../../tools/tool.js';
import { OpenAICompatibleAdapter } from './chat-adapter.js';
import { ChatResponseError } from './chat-messages.js';

const MODEL = 'Qwen/Qwen3-8B';

const fake = fixtures.fakeProviders();

const add = fixtures.addTool({
  type: 'object',
  properties: {
    a: { type: 'integer' },
    b: { type: 'integer' },
    note: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
  },
  required: ['a', 'b'],
  additionalProperties: false,
});

const init = (overrides: Partial<ConversationInit> = {}) =>
  fixtures.conversationInit(MODEL, [add], overrides);

function endpointOf(provider: FakeProvider): ProviderEndpoint {
  return {
    apiKey: 'test-key',
    baseURL: `${provider.url}/v1`,
    headers: { 'X-Extra': 'yes' },
    route: 'explicit',
  };
}

function start(provider: FakeProvider, overrides: Partial<ConversationInit> = {}) {
  const adapter = new OpenAICompatibleAdapter();
  return { adapter, conversation: adapter.start(init(overrides), endpointOf(provider)) };
}

const signal = new AbortController().signal;

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
type Body = any;

function bodies(provider: FakeProvider): Body[] {
  return provider.bodiesFor('openai-chat');
}

describe('OpenAICompatibleAdapter', () => {
  it('sends system prompt, merged prompt messages, function tools with sanitized schemas and tool_choice auto', async () => {
    const provider = await fake([{ text: 'Four.', usage: { inputTokens: 30, outputTokens: 2 } }]);
    const { conversation } = start(provider, {
      system: 'Be brief.',
      messages: [
        ...fixtures.pixelConversation,
        { role: 'user', content: { type: 'text', text: 'Answer in words.' } },
      ],
    });
    const turn = await conversation.next({ signal });
    expect(turn).toEqual({
      text: 'Four.',
      reasoning: null,
      toolCalls: [],
      finishReason: 'stop',
      usage: { prompt_tokens: 30, completion_tokens: 2 },
      model: MODEL,
    });
    const [request] = provider.requestsFor('openai-chat');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer test-key');
    expect(request?.headers['x-extra']).toBe('yes');
    expect(request?.body).toEqual({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${fixtures.PIXEL}` } },
          ],
        },
        { role: 'assistant', content: 'I see a pixel.' },
        // Consecutive user messages merged: many chat templates refuse two in a row.
        { role: 'user', content: 'What is 2+2?\n\nAnswer in words.' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'add',
            description: 'Add two integers.',
            parameters: {
              type: 'object',
              properties: {
                a: { type: 'integer' },
                b: { type: 'integer' },
                note: { type: 'string', default: null },
              },
              required: ['a', 'b'],
            },
          },
        },
      ],
      tool_choice: 'auto',
    });
  });

  it('round-trips a tool call: the assistant message with tool_calls and reasoning, then a tool message', async () => {
    const provider = await fake([
      {
        text: 'Let me add.',
        reasoning: 'Adding is easy.',
        toolCalls: [{ id: 'call_1', name: 'add', arguments: { a: 2, b: 2 } }],
        usage: { inputTokens: 120, outputTokens: 30, cachedTokens: 100 },
      },
      { text: 'The answer is 4.', model: 'qwen3-8b-served' },
    ]);
    const { conversation } = start(provider);
    const first = await conversation.next({ signal });
    expect(first).toEqual({
      text: 'Let me add.',
      reasoning: 'Adding is easy.',
      toolCalls: [{ id: 'call_1', name: 'add', arguments: { a: 2, b: 2 } }],
      finishReason: 'tool_calls',
      usage: { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100 },
      model: MODEL,
    });
    const call = first.toolCalls[0];
    if (!call) throw new Error('expected a call');
    conversation.addToolResults([{ call, output: await add.run(call.arguments as never) }]);
    const second = await conversation.next({ signal });
    expect(second).toMatchObject({ text: 'The answer is 4.', model: 'qwen3-8b-served' });
    expect(bodies(provider)[1].messages).toEqual([
      { role: 'user', content: 'What is 2+2?' },
      {
        role: 'assistant',
        content: 'Let me add.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } },
        ],
        reasoning_content: 'Adding is easy.',
      },
      { role: 'tool', tool_call_id: 'call_1', content: '4' },
    ]);
    // The final answer goes back as plain assistant content; a note after it is a new user message.
    conversation.addUserText('And 3+3?');
    provider.push({ text: 'Six.' });
    await conversation.next({ signal });
    expect(bodies(provider)[2].messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'The answer is 4.' },
      { role: 'user', content: 'And 3+3?' },
    ]);
  });

  it('keeps malformed arguments raw for the loop but replays them as {} (vLLM parses replayed arguments)', async () => {
    const provider = await fake([
      {
        toolCalls: [
          { id: 'bad', name: 'add', arguments: '{"a": 2, "b":' },
          { id: 'list', name: 'add', arguments: '[1, 2]' },
          { id: 'empty', name: 'add', arguments: '' },
          { id: '', name: 'add', arguments: { a: 1, b: 1 } },
        ],
      },
      { text: 'ok' },
    ]);
    const { conversation } = start(provider);
    const turn = await conversation.next({ signal });
    expect(turn.toolCalls).toEqual([
      { id: 'bad', name: 'add', arguments: '{"a": 2, "b":' },
      { id: 'list', name: 'add', arguments: '[1, 2]' },
      { id: 'empty', name: 'add', arguments: {} },
      // A call without an id gets one, used in the replay and the tool message alike.
      { id: 'call_0_3', name: 'add', arguments: { a: 1, b: 1 } },
    ]);
    conversation.addToolResults(
      turn.toolCalls.map((call) => ({ call, output: errorOutput('incomplete') })),
    );
    await conversation.next({ signal });
    const [, assistant, ...tools] = bodies(provider)[1].messages;
    expect(assistant).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'bad', type: 'function', function: { name: 'add', arguments: '{}' } },
        { id: 'list', type: 'function', function: { name: 'add', arguments: '{}' } },
        { id: 'empty', type: 'function', function: { name: 'add', arguments: '{}' } },
        { id: 'call_0_3', type: 'function', function: { name: 'add', arguments: '{"a":1,"b":1}' } },
      ],
    });
    expect(tools.map((message: Body) => message.tool_call_id)).toEqual([
      'bad',
      'list',
      'empty',
      'call_0_3',
    ]);
  });

  it('formats results: joined text, a placeholder for no output, errors marked, structured content, the last image after all tool messages', async () => {
    const provider = await fake([
      {
        toolCalls: ['a', 'b', 'c', 'd', 'e'].map((id) => ({
          id,
          name: 'add',
          arguments: { a: 1, b: 1 },
        })),
      },
      { text: 'done' },
    ]);
    const { conversation } = start(provider);
    const turn = await conversation.next({ signal });
    const [a, b, c, d, e] = turn.toolCalls as [never, never, never, never, never];
    conversation.addToolResults([
      {
        call: a,
        output: {
          content: [
            { type: 'text', text: 'first' },
            { type: 'image', data: 'AAAA', mimeType: 'image/jpeg' },
          ],
        },
      },
      { call: b, output: errorOutput('no such file') },
      {
        call: c,
        output: {
          content: [
            { type: 'text', text: 'line 1' },
            { type: 'text', text: 'line 2' },
            { type: 'image', data: fixtures.PIXEL, mimeType: 'image/png' },
          ],
        },
      },
      { call: d, output: { content: [] } },
      { call: e, output: { content: [], structuredContent: { answer: 42 } } },
    ]);
    // A note after the image message joins it instead of following as a second user message.
    conversation.addUserText('Go on.');
    await conversation.next({ signal });
    expect(bodies(provider)[1].messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'first' },
      { role: 'tool', tool_call_id: 'b', content: 'Error: no such file' },
      { role: 'tool', tool_call_id: 'c', content: 'line 1\nline 2' },
      { role: 'tool', tool_call_id: 'd', content: 'Tool executed successfully' },
      { role: 'tool', tool_call_id: 'e', content: '{"answer":42}' },
      {
        role: 'user',
        content: [
          { type: 'text', text: "The image returned by the 'add' call (c):" },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${fixtures.PIXEL}` } },
          { type: 'text', text: 'Go on.' },
        ],
      },
    ]);
  });

  it('sends -c settings, completion_kwargs (object or JSON) and extra_body; loop settings stay out', async () => {
    const provider = await fake([{ text: 'ok' }]);
    const { conversation } = start(provider, {
      config: {
        max_steps: 5,
        system_prompt: 'loop-owned',
        base_url: 'http://elsewhere/v1',
        api_key: 'secret',
        temperature: 0.2,
        max_tokens: 512,
        top_k: 20,
        seed: 7,
        stop: ['</answer>'],
        reasoning_effort: 'low',
        parallel_tool_calls: false,
        completion_kwargs: JSON.stringify({
          temperature: 0.9,
          presence_penalty: 0.5,
          extra_body: { chat_template_kwargs: { enable_thinking: false } },
        }),
        extra_body: { provider: { order: ['groq'] } },
      },
    });
    await conversation.next({ signal });
    const body = bodies(provider)[0];
    expect(body).toMatchObject({
      temperature: 0.2, // -c wins over completion_kwargs
      presence_penalty: 0.5,
      max_tokens: 512,
      top_k: 20,
      seed: 7,
      stop: ['</answer>'],
      reasoning_effort: 'low',
      parallel_tool_calls: false,
      tool_choice: 'auto',
      chat_template_kwargs: { enable_thinking: false },
      provider: { order: ['groq'] },
    });
    for (const key of ['max_steps', 'system_prompt', 'base_url', 'api_key', 'extra_body']) {
      expect(body[key], key).toBeUndefined();
    }
    expect(body.completion_kwargs).toBeUndefined();
  });

  it('reads max_output_tokens (the openai agent’s name) as max_tokens', async () => {
    const provider = await fake([{ text: 'ok' }]);
    const { conversation } = start(provider, { config: { max_output_tokens: 99 } });
    await conversation.next({ signal });
    expect(bodies(provider)[0].max_tokens).toBe(99);
    expect(bodies(provider)[0].max_output_tokens).toBeUndefined();
  });

  it('refuses settings of the wrong kind and completion_kwargs that set what the conversation owns', () => {
    const adapter = new OpenAICompatibleAdapter();
    const endpoint = { apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', headers: {} };
    for (const config of [
      { temperature: 'hot' },
      { stop: [1] },
      { tool_choice: 'sometimes' },
      { parallel_tool_calls: 'yes' },
      { completion_kwargs: 'not json' },
      { completion_kwargs: { model: 'other' } },
      { extra_body: { stream: true } },
      { replay_reasoning: 'no' },
    ]) {
      expect(() => adapter.start(init({ config }), endpoint), JSON.stringify(config)).toThrow(
        AgentError,
      );
    }
  });

  it('sends no tools and no tool_choice without tools', async () => {
    const provider = await fake([{ text: 'hi' }]);
    const { conversation } = start(provider, { tools: [], config: { tool_choice: 'required' } });
    await conversation.next({ signal });
    const body = bodies(provider)[0];
    expect(body.tools).toBeUndefined();
    expect(body.tool_choice).toBeUndefined();
  });

  it('reports finish_reason length as it is, and drops reasoning fields with replay_reasoning=false', async () => {
    const provider = await fake([
      { text: 'The answer is', reasoning: 'hmm', finishReason: 'length' },
      { text: 'ok' },
    ]);
    const { conversation } = start(provider, { config: { replay_reasoning: false } });
    const turn = await conversation.next({ signal });
    expect(turn).toMatchObject({ finishReason: 'length', reasoning: 'hmm' });
    conversation.addUserText('continue');
    await conversation.next({ signal });
    expect(bodies(provider)[1].messages[1]).toEqual({
      role: 'assistant',
      content: 'The answer is',
    });
  });

  it('needs a model other than the default for servers other than the gateway and OpenAI', async () => {
    const adapter = new OpenAICompatibleAdapter();
    const defaults = init({ model: 'gpt-5.4-mini' });
    const local = { apiKey: 'k', baseURL: 'http://127.0.0.1:8000/v1', headers: {} };
    expect(() => adapter.start(defaults, { ...local, route: 'explicit' })).toThrow(
      /no model given for http:\/\/127\.0\.0\.1:8000\/v1; pass --model/,
    );
    expect(() => adapter.start(defaults, { ...local, route: 'direct' })).toThrow(AgentError);
    // The gateway and OpenAI serve it; another model is fine anywhere.
    adapter.start(defaults, { ...local, baseURL: 'https://inference.hud.ai', route: 'gateway' });
    adapter.start(defaults, { ...local, baseURL: 'https://api.openai.com/v1' });
    adapter.start(defaults, { ...local, baseURL: undefined, route: 'direct' });
    adapter.start(init({ model: 'llama3.2' }), local);
  });
});

describe('classifyError', () => {
  async function failure(turn: FakeTurn, routes?: ProviderRoute[]): Promise<unknown> {
    return fixtures.rejection(start(await fake([turn], routes)).conversation.next({ signal }));
  }

  const adapter = new OpenAICompatibleAdapter();

  openAIErrorTests({
    adapter,
    failure,
    lateConversation: async () =>
      start(await fake([{ text: 'late', delayMs: 5_000 }])).conversation,
  });

  it('reads a 200 without choices as an error: retryable when its body names a 5xx', async () => {
    const route = (body: unknown): ProviderRoute => ({
      ...openaiChatCompletionsRoute,
      render: () => body,
    });
    const upstream = await failure({ text: '' }, [
      route({ error: { code: 502, message: 'upstream provider failed' } }),
    ]);
    expect(upstream).toBeInstanceOf(ChatResponseError);
    expect((upstream as Error).message).toMatch(/upstream provider failed/);
    expect(adapter.classifyError(upstream)).toMatchObject({ status: 502, retryable: true });
    const page = await failure({ text: '' }, [route({ hello: 'Ollama is running' })]);
    expect((page as Error).message).toMatch(/without choices.*base_url/);
    expect(adapter.classifyError(page).retryable).toBe(false);
  });
});

describe('through ToolLoopAgent', () => {
  it('reaches the server from OPENAI_COMPATIBLE_* settings; retries a 429, recovers from a malformed call, answers', async () => {
    const provider = await fake([
      { status: 429, headers: { 'retry-after': '0' } },
      { toolCalls: [{ id: 'x', name: 'add', arguments: '{"a": 2' }] },
      { toolCalls: [{ id: 'y', name: 'add', arguments: { a: 2, b: 2 } }] },
      { text: 'The answer is 4.', usage: { inputTokens: 50, outputTokens: 6, cachedTokens: 20 } },
    ]);
    const calc: ToolProvider = { protocol: 'calc', create: () => [add] };
    const agent = new ToolLoopAgent(new OpenAICompatibleAdapter({ toolProviders: [calc] }), {
      model: MODEL,
      settings: {
        OPENAI_COMPATIBLE_API_KEY: 'local-key',
        OPENAI_COMPATIBLE_BASE_URL: `${provider.url}/v1`,
      },
      requestLimits: new RequestLimits(),
    });
    const { context, steps } = fixtures.agentContext({ bindings: [fixtures.calcBinding] });
    expect(await agent.run(context)).toEqual({ answer: 'The answer is 4.', stopReason: 'done' });
    expect(steps.map((step) => step.source)).toEqual(['agent', 'tool', 'agent', 'tool', 'agent']);
    expect(steps[1]).toMatchObject({ call: { id: 'x', arguments: '{"a": 2' } });
    expect(steps[1]?.result?.isError).toBe(true);
    expect(steps[3]).toMatchObject({
      call: { id: 'y', name: 'add', arguments: { a: 2, b: 2 } },
      result: { content: [{ type: 'text', text: '4' }] },
    });
    expect(steps[4]).toMatchObject({
      content: 'The answer is 4.',
      model: MODEL,
      usage: { prompt_tokens: 50, completion_tokens: 6, cached_tokens: 20, llm_call_count: 1 },
    });
    const requests = provider.requestsFor('openai-chat');
    expect(requests).toHaveLength(4);
    expect(requests[0]?.headers.authorization).toBe('Bearer local-key');
    const tools = bodies(provider)[3].messages.filter((message: Body) => message.role === 'tool');
    expect(tools).toEqual([
      {
        role: 'tool',
        tool_call_id: 'x',
        content: expect.stringMatching(/^Error: the arguments for this 'add' call arrived/),
      },
      { role: 'tool', tool_call_id: 'y', content: '4' },
    ]);
  });
});
