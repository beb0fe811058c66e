import type { JsonObject } from '@hud/protocol';
import type { FakeProvider, FakeTurn } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import * as fixtures from '../../__fixtures__/adapter-fixtures.js';
import { recordingScreen } from '../../__fixtures__/recording-screen.js';
import { AgentError } from '../../errors.js';
import type { ConversationInit, ModelToolCall } from '../../model/adapter.js';
import { RequestLimits } from '../../model/request-limits.js';
import { ToolLoopAgent } from '../../model/tool-loop-agent.js';
import { createAgent } from '../../registry.js';
import { type ToolProvider, textOutput } from '../../tools/tool.js';
import { GeminiAdapter, retryInfoDelayMs } from './gemini-adapter.js';
import { geminiComputerTools } from './gemini-computer.js';
import { GeminiResponseError } from './gemini-contents.js';

// The gemini harness through the official @google/genai SDK against the fake generateContent route.

const ROUTE = 'gemini-generate-content';

const fake = fixtures.fakeProviders();

const add = fixtures.addTool({
  type: 'object',
  properties: { a: { type: 'integer' }, b: { type: 'integer', default: 0 } },
  required: ['a'],
  additionalProperties: false,
});

const init = (overrides: Partial<ConversationInit> = {}) =>
  fixtures.conversationInit('gemini-3-pro-preview', [add], overrides);

function start(provider: FakeProvider, overrides: Partial<ConversationInit> = {}) {
  const adapter = new GeminiAdapter();
  const conversation = adapter.start(init(overrides), fixtures.testEndpoint(provider.url));
  return { adapter, conversation };
}

const signal = new AbortController().signal;

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
type Body = any;

function bodies(provider: FakeProvider): Body[] {
  return provider.bodiesFor(ROUTE);
}

describe('GeminiAdapter', () => {
  it("sends the first request with the official SDK: v1beta path, key header, hud-python's generation defaults", async () => {
    const provider = await fake([{ text: 'Four.', reasoning: 'Two and two.' }]);
    const { conversation } = start(provider, {
      system: 'Be brief.',
      messages: fixtures.pixelConversation,
    });
    const turn = await conversation.next({ signal });
    expect(turn).toEqual({
      text: 'Four.',
      reasoning: 'Two and two.',
      toolCalls: [],
      finishReason: 'STOP',
      usage: { prompt_tokens: 10, completion_tokens: 5 },
      model: 'gemini-3-pro-preview',
    });
    const [request] = provider.requestsFor(ROUTE);
    expect(request?.path).toBe('/v1beta/models/gemini-3-pro-preview:generateContent');
    expect(request?.headers['x-goog-api-key']).toBe('test-key');
    expect(request?.headers['trace-id']).toBe('trace-123');
    expect(request?.body).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Look:' },
            { inlineData: { mimeType: 'image/png', data: fixtures.PIXEL } },
          ],
        },
        { role: 'model', parts: [{ text: 'I see a pixel.' }] },
        { role: 'user', parts: [{ text: 'What is 2+2?' }] },
      ],
      systemInstruction: { role: 'user', parts: [{ text: 'Be brief.' }] },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'add',
              description: 'Add two integers.',
              parametersJsonSchema: {
                type: 'object',
                properties: { a: { type: 'integer' }, b: { type: 'integer' } },
                required: ['a'],
              },
            },
          ],
        },
      ],
      generationConfig: {
        temperature: 1,
        topP: 0.95,
        topK: 40,
        maxOutputTokens: 8192,
        thinkingConfig: { includeThoughts: true },
      },
    });
  });

  it('takes -c settings: sampling values or null to leave them out, thinking level, max_tokens alias, no tools', async () => {
    const provider = await fake([{ text: 'ok' }]);
    const { conversation } = start(provider, {
      tools: [],
      config: {
        temperature: 0.2,
        top_p: null,
        top_k: null,
        max_tokens: 256,
        thinking_level: 'high',
        include_thoughts: false,
      },
    });
    await conversation.next({ signal });
    const [body] = bodies(provider);
    expect(body.tools).toBeUndefined();
    expect(body.systemInstruction).toBeUndefined();
    expect(body.generationConfig).toEqual({
      temperature: 0.2,
      maxOutputTokens: 256,
      thinkingConfig: { thinkingLevel: 'HIGH' },
    });
  });

  it('refuses settings of the wrong type or unknown choices', () => {
    const adapter = new GeminiAdapter();
    const endpoint = { apiKey: 'k', baseURL: 'http://127.0.0.1:9', headers: {} };
    for (const config of [
      { temperature: 'hot' },
      { top_p: 2 },
      { top_k: 1.5 },
      { max_output_tokens: 0 },
      { thinking_level: 'deep' },
      { include_thoughts: 'yes' },
      { computer_use: 'sometimes' },
      { excluded_predefined_functions: ['fly_to'] },
      { max_recent_turn_with_screenshots: -1 },
      { request_timeout_seconds: 0 },
    ]) {
      let error: unknown;
      try {
        adapter.start(init({ config }), endpoint);
      } catch (caught) {
        error = caught;
      }
      expect(AgentError.isInstance(error) && error.code, JSON.stringify(config)).toBe(
        'invalid_config',
      );
      expect((error as Error).message).toMatch(/^gemini: -c /);
    }
  });

  it('answers function calls with one user turn of functionResponse parts; history goes back unchanged', async () => {
    const provider = await fake([
      {
        reasoning: 'Add them.',
        toolCalls: [
          { name: 'add', arguments: { a: 2, b: 2 } },
          { id: 'fc_7', name: 'add', arguments: { a: 1 } },
        ],
      },
      { text: 'The answer is 4.' },
    ]);
    const { conversation } = start(provider);
    const turn = await conversation.next({ signal });
    expect(turn.toolCalls).toEqual([
      { id: 'gemini_call_1', name: 'add', arguments: { a: 2, b: 2 } },
      { id: 'fc_7', name: 'add', arguments: { a: 1 } },
    ]);
    expect(turn.finishReason).toBe('STOP');
    const [first, second] = turn.toolCalls as [ModelToolCall, ModelToolCall];
    conversation.addToolResults([
      { call: first, output: textOutput('4') },
      { call: second, output: textOutput('bad input', { isError: true }) },
    ]);
    expect(await conversation.next({ signal })).toMatchObject({ text: 'The answer is 4.' });
    expect(bodies(provider)[1].contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { text: 'Add them.', thought: true, thoughtSignature: 'fake-signature-0' },
          { functionCall: { name: 'add', args: { a: 2, b: 2 } } },
          { functionCall: { id: 'fc_7', name: 'add', args: { a: 1 } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'add', response: { output: '4' } } },
          { functionResponse: { id: 'fc_7', name: 'add', response: { error: 'bad input' } } },
        ],
      },
    ]);
  });

  it('offers a screen as Gemini computer use, keeps only the last 3 screenshot turns, and can declare the functions instead', async () => {
    const screenTools = geminiComputerTools(
      recordingScreen({
        width: 1000,
        height: 500,
        screenshot: Buffer.from(fixtures.PIXEL, 'base64'),
      }).screen,
      { screenshotDelayMs: 0 },
    );
    const provider = await fake(
      Array.from(
        { length: 6 },
        (_, n): FakeTurn => ({
          toolCalls: [{ name: 'click_at', arguments: { x: 100 * n, y: 500 } }],
        }),
      ),
    );
    const { conversation } = start(provider, {
      tools: [add, ...screenTools],
      config: { excluded_predefined_functions: 'drag_and_drop, search' },
    });
    const byName = new Map(screenTools.map((tool) => [tool.name, tool]));
    for (let n = 0; n < 6; n++) {
      const turn = await conversation.next({ signal });
      const [call] = turn.toolCalls as [ModelToolCall];
      const output = await byName.get(call.name)?.run(call.arguments as JsonObject);
      conversation.addToolResults([{ call, output: output ?? textOutput('') }]);
    }
    const first = bodies(provider)[0];
    expect(first.tools).toEqual([
      { functionDeclarations: [expect.objectContaining({ name: 'add' })] },
      {
        computerUse: {
          environment: 'ENVIRONMENT_BROWSER',
          excludedPredefinedFunctions: ['drag_and_drop', 'search'],
        },
      },
    ]);
    // The 6th request holds 5 screenshot turns; only the last 3 still carry their image.
    const results = bodies(provider)[5]
      .contents.filter((content: Body) => content.role === 'user')
      .slice(1)
      .map((content: Body) => content.parts[0].functionResponse);
    expect(results.map((result: Body) => result.response.output)).toEqual([
      'click at (0, 250)',
      'click at (100, 250)',
      'click at (200, 250)',
      'click at (300, 250)',
      'click at (400, 250)',
    ]);
    expect(results.map((result: Body) => result.parts?.length ?? 0)).toEqual([0, 0, 1, 1, 1]);
    expect(results[4].parts[0]).toEqual({
      inlineData: { mimeType: 'image/png', data: fixtures.PIXEL },
    });

    const declared = await fake([{ text: 'ok' }]);
    const functions = start(declared, {
      tools: screenTools,
      config: { computer_use: 'functions', excluded_predefined_functions: ['search'] },
    });
    await functions.conversation.next({ signal });
    const names = bodies(declared)[0].tools[0].functionDeclarations.map(
      (declaration: Body) => declaration.name,
    );
    expect(names).toContain('click_at');
    expect(names).not.toContain('search');
    expect(bodies(declared)[0].tools).toHaveLength(1);
  });

  it('adds Google Search grounding with citations_enabled', async () => {
    const provider = await fake([{ text: 'ok' }]);
    const { conversation } = start(provider, { tools: [], config: { citations_enabled: true } });
    await conversation.next({ signal });
    expect(bodies(provider)[0].tools).toEqual([{ googleSearch: {} }]);
  });

  it("classifies failures: 429 with retry-after, 503 with Google's RetryInfo, 400, dropped connections, aborts, timeouts", async () => {
    const provider = await fake([
      { status: 429, message: 'slow down', headers: { 'retry-after': '2' } },
      {
        status: 503,
        body: {
          error: {
            code: 503,
            message: 'overloaded',
            status: 'UNAVAILABLE',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }],
          },
        },
      },
      { status: 400, message: 'bad request' },
      { drop: true },
      { text: 'late', delayMs: 3000 },
      { text: 'late', delayMs: 3000 },
    ]);
    const { adapter, conversation } = start(provider, { config: { request_timeout_seconds: 0.3 } });
    const limited = await fixtures.rejection(conversation.next({ signal }));
    expect(limited).toMatchObject({ name: 'ApiError', status: 429 });
    expect(adapter.classifyError(limited)).toEqual({
      status: 429,
      retryable: true,
      retryAfterMs: 2000,
    });
    const overloaded = await fixtures.rejection(conversation.next({ signal }));
    expect(adapter.classifyError(overloaded)).toEqual({
      status: 503,
      retryable: true,
      retryAfterMs: 1500,
    });
    const bad = await fixtures.rejection(conversation.next({ signal }));
    expect(adapter.classifyError(bad)).toEqual({
      status: 400,
      retryable: false,
      retryAfterMs: undefined,
    });
    const dropped = await fixtures.rejection(conversation.next({ signal }));
    expect(adapter.classifyError(dropped)).toMatchObject({ retryable: true, status: undefined });
    // The SDK's own timeout aborts like a caller would; only the caller's abort is final.
    const timedOut = await fixtures.rejection(conversation.next({ signal }));
    expect(adapter.classifyError(timedOut)).toMatchObject({ retryable: true });
    const controller = new AbortController();
    const aborting = conversation.next({ signal: controller.signal });
    controller.abort();
    expect(adapter.classifyError(await fixtures.rejection(aborting))).toMatchObject({
      retryable: false,
    });
    expect(
      adapter.classifyError(new GeminiResponseError('Gemini returned no candidates: x')),
    ).toEqual({ status: undefined, retryable: false, retryAfterMs: undefined });
  });

  it('reads RetryInfo delays from error bodies', () => {
    const body = (retryDelay: unknown) =>
      JSON.stringify({ error: { details: [{ '@type': 'x' }, { retryDelay }] } });
    expect(retryInfoDelayMs(body('31s'))).toBe(31_000);
    expect(retryInfoDelayMs(body('0.25s'))).toBe(250);
    expect(retryInfoDelayMs(body('soon'))).toBeUndefined();
    expect(retryInfoDelayMs('not json')).toBeUndefined();
  });

  it('rejects a blocked prompt (no candidates) with the reason', async () => {
    const provider = await fake(
      [{ text: 'unused' }],
      [
        {
          name: ROUTE,
          method: 'POST',
          url: '/v1beta/models/:model(^[^:/]+)::generateContent',
          render: () => ({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }),
          errorBody: () => ({}),
        },
      ],
    );
    const { conversation } = start(provider);
    await expect(conversation.next({ signal })).rejects.toThrow(
      'Gemini returned no candidates: the prompt was blocked (PROHIBITED_CONTENT)',
    );
  });
});

const calc: ToolProvider = { protocol: 'calc', create: () => [add] };

describe('through ToolLoopAgent', () => {
  it('retries a 429, recovers from a malformed call, runs the tool and answers with usage', async () => {
    const provider = await fake([
      { status: 429, headers: { 'retry-after': '0' }, message: 'slow down' },
      { toolCalls: [{ name: 'add', arguments: '{"a": 2, "b"' }] },
      { toolCalls: [{ name: 'add', arguments: { a: 2, b: 2 } }] },
      {
        text: 'The answer is 4.',
        usage: { inputTokens: 50, outputTokens: 6, cachedTokens: 20 },
        model: 'gemini-2.5-flash',
      },
    ]);
    const agent = new ToolLoopAgent(new GeminiAdapter({ toolProviders: [calc] }), {
      settings: { GEMINI_API_KEY: 'test', GEMINI_BASE_URL: provider.url },
      config: { retry_delay_seconds: 0.01 },
      requestLimits: new RequestLimits(),
    });
    const { context, steps } = fixtures.agentContext({ bindings: [fixtures.calcBinding] });
    expect(await agent.run(context)).toEqual({ answer: 'The answer is 4.', stopReason: 'done' });
    expect(steps.map((step) => step.source)).toEqual(['agent', 'tool', 'agent', 'tool', 'agent']);
    // Gemini's MALFORMED_FUNCTION_CALL: a call with raw arguments, answered with the loop's correction.
    expect(steps[0]).toMatchObject({ finish_reason: 'MALFORMED_FUNCTION_CALL', done: false });
    expect(steps[1]).toMatchObject({
      call: { id: 'gemini_call_1', name: 'add' },
      result: { isError: true },
    });
    expect(typeof steps[1]?.call?.arguments).toBe('string');
    expect(steps[3]).toMatchObject({
      call: { id: 'gemini_call_2', name: 'add', arguments: { a: 2, b: 2 } },
      result: { content: [{ type: 'text', text: '4' }], isError: false },
    });
    expect(steps[4]).toMatchObject({
      content: 'The answer is 4.',
      model: 'gemini-2.5-flash',
      finish_reason: 'STOP',
      usage: { prompt_tokens: 50, completion_tokens: 6, cached_tokens: 20, llm_call_count: 1 },
    });
    // gemini-2.5-flash: $0.30 / $2.50 per million, cached input $0.03.
    expect(steps[4]?.usage?.cost_usd).toBeCloseTo((30 * 0.3 + 20 * 0.03 + 6 * 2.5) / 1e6, 12);
    // Four requests for three turns: the 429 was retried.
    const sent = bodies(provider);
    expect(sent).toHaveLength(4);
    // The malformed call left nothing in the history but a note in words.
    expect(sent[2].contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'What is 2+2?' },
          {
            text: expect.stringMatching(
              /^Your last function call \(add\) could not be used: the arguments for this 'add' call arrived incomplete/,
            ),
          },
        ],
      },
    ]);
    expect(sent[3].contents.at(-1)).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'add', response: { output: '4' } } }],
    });
  });

  it('stops with length when Gemini stops at MAX_TOKENS', async () => {
    const provider = await fake([{ text: 'It is', finishReason: 'length' }]);
    const agent = new ToolLoopAgent(new GeminiAdapter({ toolProviders: [] }), {
      settings: { GEMINI_API_KEY: 'test', GEMINI_BASE_URL: provider.url },
      requestLimits: new RequestLimits(),
    });
    const { context, steps } = fixtures.agentContext();
    expect(await agent.run(context)).toEqual({ answer: 'It is', stopReason: 'length' });
    expect(steps[0]).toMatchObject({ finish_reason: 'MAX_TOKENS' });
  });

  it('goes through the HUD gateway with HUD_API_KEY and a Trace-Id', async () => {
    const provider = await fake([{ text: '4' }]);
    const agent = new ToolLoopAgent(new GeminiAdapter({ toolProviders: [] }), {
      settings: { HUD_API_KEY: 'hud-key', HUD_GATEWAY_URL: provider.url },
      requestLimits: new RequestLimits(),
    });
    const { context } = fixtures.agentContext();
    expect(await agent.run(context)).toEqual({ answer: '4', stopReason: 'done' });
    const [request] = provider.requestsFor(ROUTE);
    expect(request?.path).toBe('/v1beta/models/gemini-3-pro-preview:generateContent');
    expect(request?.headers['x-goog-api-key']).toBe('hud-key');
    expect(request?.headers['trace-id']).toBe('trace-1');
  });

  it('is what createAgent builds for gemini', async () => {
    const agent = createAgent('gemini', { settings: { GEMINI_API_KEY: 'k' } });
    expect(agent).toBeInstanceOf(ToolLoopAgent);
    expect((agent as ToolLoopAgent).model).toBe('gemini-3-pro-preview');
    expect((await (agent as ToolLoopAgent).adapter()).name).toBe('gemini');
    expect(
      createAgent('gemini', { settings: { GEMINI_API_KEY: 'k' }, model: 'gemini-2.5-pro' }).model,
    ).toBe('gemini-2.5-pro');
  });
});
