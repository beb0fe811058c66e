import type { FakeProvider } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import * as fixtures from '../../__fixtures__/adapter-fixtures.js';
import { openAIErrorTests } from '../../__fixtures__/openai-error-tests.js';
import { AgentError } from '../../errors.js';
import type { ConversationInit } from '../../model/adapter.js';
import { RequestLimits } from '../../model/request-limits.js';
import { ToolLoopAgent } from '../../model/tool-loop-agent.js';
import { errorOutput, type ToolProvider, textOutput } from '../../tools/tool.js';
import { isReasoningModel, OpenAIResponsesAdapter, retryAfterMs } from './responses-adapter.js';
import { TOOL_ERROR_MARKER } from './responses-items.js';

const fake = fixtures.fakeProviders();

const add = fixtures.addTool({
  type: 'object',
  properties: { a: { type: 'integer' }, b: { type: 'integer' }, note: { type: 'string' } },
  required: ['a', 'b'],
});

const init = (overrides: Partial<ConversationInit> = {}) =>
  fixtures.conversationInit('gpt-5.6', [add], overrides);

function start(provider: FakeProvider, overrides: Partial<ConversationInit> = {}) {
  const adapter = new OpenAIResponsesAdapter();
  const conversation = adapter.start(init(overrides), fixtures.testEndpoint(`${provider.url}/v1`));
  return { adapter, conversation };
}

const signal = new AbortController().signal;

function bodies(provider: FakeProvider): Record<string, unknown>[] {
  return provider.bodiesFor('openai-responses') as Record<string, unknown>[];
}

/** The `input` items of the provider's `index`th Responses request. */
function inputOf(provider: FakeProvider, index: number): { type?: string; output?: unknown }[] {
  const input = bodies(provider)[index]?.input;
  if (!Array.isArray(input)) throw new Error(`request ${index} has no input list`);
  return input;
}

describe('OpenAIResponsesAdapter', () => {
  it('sends the first request with the official SDK: prompt, instructions, strict function tools, store false', async () => {
    const provider = await fake([{ text: 'Four.' }]);
    const { conversation } = start(provider, {
      system: 'Be brief.',
      messages: fixtures.pixelConversation,
    });
    const turn = await conversation.next({ signal });
    expect(turn).toEqual({
      text: 'Four.',
      reasoning: null,
      toolCalls: [],
      finishReason: 'completed',
      usage: { prompt_tokens: 10, completion_tokens: 5, cached_tokens: 0 },
      model: 'gpt-5.6',
    });
    const [request] = provider.requestsFor('openai-responses');
    expect(request?.path).toBe('/v1/responses');
    expect(request?.headers.authorization).toBe('Bearer test-key');
    expect(request?.headers['trace-id']).toBe('trace-123');
    expect(request?.body).toEqual({
      model: 'gpt-5.6',
      instructions: 'Be brief.',
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look:' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            {
              type: 'input_image',
              image_url: `data:image/png;base64,${fixtures.PIXEL}`,
              detail: 'auto',
            },
          ],
        },
        { type: 'message', role: 'assistant', content: 'I see a pixel.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is 2+2?' }] },
      ],
      tools: [
        {
          type: 'function',
          name: 'add',
          description: 'Add two integers.',
          parameters: {
            type: 'object',
            properties: {
              a: { type: 'integer' },
              b: { type: 'integer' },
              note: { type: ['string', 'null'] },
            },
            required: ['a', 'b', 'note'],
            additionalProperties: false,
          },
          strict: true,
        },
      ],
      parallel_tool_calls: false,
      store: false,
      include: ['reasoning.encrypted_content'],
    });
  });

  it('round-trips a tool call, replaying reasoning and the call client-side without server ids', async () => {
    const provider = await fake([
      {
        reasoning: 'I should add.',
        toolCalls: [{ id: 'call_1', name: 'add', arguments: { a: 2, b: 2, note: null } }],
        usage: { inputTokens: 120, outputTokens: 30, cachedTokens: 100 },
      },
      { text: 'The answer is 4.' },
    ]);
    const { conversation } = start(provider);
    const first = await conversation.next({ signal });
    expect(first).toMatchObject({
      text: '',
      reasoning: 'I should add.',
      toolCalls: [{ id: 'call_1', name: 'add', arguments: { a: 2, b: 2 } }],
      usage: { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100 },
    });
    const call = first.toolCalls[0];
    if (!call) throw new Error('expected a call');
    conversation.addToolResults([{ call, output: await add.run(call.arguments as never) }]);
    const second = await conversation.next({ signal });
    expect(second.text).toBe('The answer is 4.');
    expect(bodies(provider)[1]?.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is 2+2?' }] },
      {
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'I should add.' }],
        encrypted_content: `fake-encrypted:${Buffer.from('I should add.').toString('base64')}`,
      },
      {
        type: 'function_call',
        call_id: 'call_1',
        name: 'add',
        arguments: '{"a":2,"b":2,"note":null}',
      },
      { type: 'function_call_output', call_id: 'call_1', output: '4' },
    ]);
    // The assistant's final message goes back as an output message, not as input_text (spec §12.9).
    conversation.addUserText('And 3+3?');
    provider.push({ text: 'Six.' });
    await conversation.next({ signal });
    expect(inputOf(provider, 2).slice(-2)).toEqual([
      {
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'The answer is 4.', annotations: [] }],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And 3+3?' }] },
    ]);
  });

  it('keeps server ids and sends no include with store=true', async () => {
    const provider = await fake([
      { reasoning: 'hmm', toolCalls: [{ id: 'call_9', name: 'add', arguments: { a: 1, b: 1 } }] },
      { text: '2' },
    ]);
    const { conversation } = start(provider, { config: { store: true } });
    const turn = await conversation.next({ signal });
    conversation.addToolResults([{ call: turn.toolCalls[0] as never, output: textOutput('2') }]);
    await conversation.next({ signal });
    const second = bodies(provider)[1];
    expect(second?.store).toBe(true);
    expect(second?.include).toBeUndefined();
    expect(second?.input).toContainEqual({
      type: 'reasoning',
      id: 'rs_fake_0',
      summary: [{ type: 'summary_text', text: 'hmm' }],
    });
    expect(second?.input).toContainEqual(
      expect.objectContaining({ type: 'function_call', id: 'fc_fake_0_0', call_id: 'call_9' }),
    );
  });

  it('drops reasoning it could only refer to by id when nothing is stored', async () => {
    const provider = await fake([
      { reasoning: 'private', toolCalls: [{ id: 'c', name: 'add', arguments: { a: 1, b: 2 } }] },
      { text: '3' },
    ]);
    // A non-reasoning model: no include, so the reasoning item comes back without encrypted content.
    const { conversation } = start(provider, { model: 'gpt-4.1' });
    const turn = await conversation.next({ signal });
    expect(bodies(provider)[0]?.include).toBeUndefined();
    conversation.addToolResults([{ call: turn.toolCalls[0] as never, output: textOutput('3') }]);
    await conversation.next({ signal });
    const types = inputOf(provider, 1).map((item) => item.type);
    expect(types).toEqual(['message', 'function_call', 'function_call_output']);
  });

  it('maps settings from -c: max_output_tokens, temperature, reasoning effort and summary, tool_choice, verbosity', async () => {
    const provider = await fake([{ text: 'ok' }]);
    const { conversation } = start(provider, {
      config: {
        max_steps: 5, // the loop's, ignored here
        max_tokens: 512,
        temperature: 0.2,
        top_p: 0.9,
        reasoning: 'high',
        reasoning_summary: 'auto',
        tool_choice: 'required',
        parallel_tool_calls: true,
        truncation: 'auto',
        verbosity: 'low',
      },
    });
    await conversation.next({ signal });
    expect(bodies(provider)[0]).toMatchObject({
      max_output_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: 'high', summary: 'auto' },
      tool_choice: 'required',
      parallel_tool_calls: true,
      truncation: 'auto',
      text: { verbosity: 'low' },
    });
    expect(bodies(provider)[0]?.max_steps).toBeUndefined();
  });

  it('refuses settings of the wrong kind', () => {
    const adapter = new OpenAIResponsesAdapter();
    const endpoint = { apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', headers: {} };
    for (const config of [
      { max_output_tokens: 'many' },
      { reasoning: 'extreme' },
      { parallel_tool_calls: 'yes' },
      { tool_choice: 'sometimes' },
    ]) {
      expect(() => adapter.start(init({ config }), endpoint)).toThrow(AgentError);
    }
  });

  it('sends no tool settings without tools', async () => {
    const provider = await fake([{ text: 'hi' }]);
    const { conversation } = start(provider, { tools: [], config: { parallel_tool_calls: true } });
    await conversation.next({ signal });
    const body = bodies(provider)[0];
    expect(body?.tools).toBeUndefined();
    expect(body?.parallel_tool_calls).toBeUndefined();
  });

  it('keeps malformed arguments as the raw string and reads an empty string as {}', async () => {
    const provider = await fake([
      {
        toolCalls: [
          { id: 'bad', name: 'add', arguments: '{"a": 2, "b":' },
          { id: 'list', name: 'add', arguments: '[1, 2]' },
          { id: 'empty', name: 'add', arguments: '' },
        ],
      },
    ]);
    const { conversation } = start(provider);
    const turn = await conversation.next({ signal });
    expect(turn.toolCalls).toEqual([
      { id: 'bad', name: 'add', arguments: '{"a": 2, "b":' },
      { id: 'list', name: 'add', arguments: '[1, 2]' },
      { id: 'empty', name: 'add', arguments: {} },
    ]);
  });

  it('formats results: text as a string, errors marked, images as input_image data URLs', async () => {
    const provider = await fake([
      {
        toolCalls: [
          { id: 'a', name: 'add', arguments: { a: 1, b: 1 } },
          { id: 'b', name: 'add', arguments: { a: 1, b: 1 } },
          { id: 'c', name: 'add', arguments: { a: 1, b: 1 } },
          { id: 'd', name: 'add', arguments: { a: 1, b: 1 } },
        ],
      },
      { text: 'done' },
    ]);
    const { conversation } = start(provider, { config: { image_detail: 'original' } });
    const turn = await conversation.next({ signal });
    const [a, b, c, d] = turn.toolCalls as [never, never, never, never];
    conversation.addToolResults([
      { call: a, output: textOutput('line 1\nline 2') },
      { call: b, output: errorOutput('no such file') },
      {
        call: c,
        output: {
          content: [
            { type: 'text', text: 'clicked' },
            { type: 'image', data: fixtures.PIXEL, mimeType: 'image/png' },
          ],
          isError: true,
        },
      },
      { call: d, output: { content: [], structuredContent: { answer: 42 } } },
    ]);
    await conversation.next({ signal });
    const outputs = inputOf(provider, 1).filter((item) => item.type === 'function_call_output');
    expect(outputs).toEqual([
      { type: 'function_call_output', call_id: 'a', output: 'line 1\nline 2' },
      {
        type: 'function_call_output',
        call_id: 'b',
        output: `${TOOL_ERROR_MARKER}\nno such file`,
      },
      {
        type: 'function_call_output',
        call_id: 'c',
        output: [
          { type: 'input_text', text: TOOL_ERROR_MARKER },
          { type: 'input_text', text: 'clicked' },
          {
            type: 'input_image',
            image_url: `data:image/png;base64,${fixtures.PIXEL}`,
            detail: 'original',
          },
        ],
      },
      { type: 'function_call_output', call_id: 'd', output: '{"answer":42}' },
    ]);
  });

  it('reports max_output_tokens as length and a content filter as itself', async () => {
    const provider = await fake([
      { text: 'The answer is', finishReason: 'max_output_tokens' },
      { text: '', finishReason: 'content_filter' },
    ]);
    const { conversation } = start(provider);
    expect((await conversation.next({ signal })).finishReason).toBe('length');
    expect((await conversation.next({ signal })).finishReason).toBe('content_filter');
  });

  it('reports the model the server names', async () => {
    const provider = await fake([{ text: 'hi', model: 'gpt-5.6-2026-01-01' }]);
    const { conversation } = start(provider);
    expect((await conversation.next({ signal })).model).toBe('gpt-5.6-2026-01-01');
  });
});

describe('classifyError', () => {
  openAIErrorTests({
    adapter: new OpenAIResponsesAdapter(),
    failure: async (turn) =>
      fixtures.rejection(start(await fake([turn])).conversation.next({ signal })),
    lateConversation: async () =>
      start(await fake([{ text: 'late', delayMs: 5_000 }])).conversation,
  });

  it('reads retry-after as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });
});

describe('isReasoningModel', () => {
  it.each([
    ['gpt-5.6', true],
    ['o3-mini', true],
    ['openai/gpt-oss-120b', true],
    ['gpt-5-chat-latest', false],
    ['gpt-4.1', false],
    ['gpt-4o', false],
  ])('%s → %s', (model, expected) => {
    expect(isReasoningModel(model)).toBe(expected);
  });
});

describe('through ToolLoopAgent', () => {
  it('retries a 429, recovers from a malformed call, runs the tool and answers', async () => {
    const provider = await fake([
      { status: 429, headers: { 'retry-after': '0' } },
      { toolCalls: [{ id: 'x', name: 'add', arguments: '{"a": 2' }] },
      { toolCalls: [{ id: 'y', name: 'add', arguments: { a: 2, b: 2, note: null } }] },
      { text: 'The answer is 4.', usage: { inputTokens: 50, outputTokens: 6, cachedTokens: 20 } },
    ]);
    const calc: ToolProvider = { protocol: 'calc', create: () => [add] };
    const agent = new ToolLoopAgent(new OpenAIResponsesAdapter({ toolProviders: [calc] }), {
      settings: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: `${provider.url}/v1` },
      requestLimits: new RequestLimits(),
    });
    const { context, steps } = fixtures.agentContext({ bindings: [fixtures.calcBinding] });
    expect(await agent.run(context)).toEqual({ answer: 'The answer is 4.', stopReason: 'done' });
    expect(steps.map((step) => step.source)).toEqual(['agent', 'tool', 'agent', 'tool', 'agent']);
    expect(steps[1]?.result?.isError).toBe(true);
    expect(steps[3]).toMatchObject({
      call: { id: 'y', name: 'add', arguments: { a: 2, b: 2 } },
      result: { content: [{ type: 'text', text: '4' }] },
    });
    expect(steps[4]).toMatchObject({
      content: 'The answer is 4.',
      model: 'gpt-5.6',
      usage: { prompt_tokens: 50, completion_tokens: 6, cached_tokens: 20 },
    });
    // Four requests for three turns: the 429 was retried.
    expect(provider.requestsFor('openai-responses')).toHaveLength(4);
    const outputs = inputOf(provider, 3).filter((item) => item.type === 'function_call_output');
    expect(outputs).toEqual([
      {
        type: 'function_call_output',
        call_id: 'x',
        output: expect.stringMatching(/^\[tool_error\] true\n/),
      },
      { type: 'function_call_output', call_id: 'y', output: '4' },
    ]);
  });
});
