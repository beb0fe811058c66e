import type { Content, GenerateContentResponse } from '@google/genai';
import { describe, expect, it } from 'vitest';
import {
  functionResponsePart,
  GeminiResponseError,
  parseResponse,
  promptContents,
  pruneScreenshots,
  usageOf,
} from './gemini-contents.js';

const PIXEL = 'iVBORw0KGgo=';

function parse(response: GenerateContentResponse, toolNames = new Map<string, string>()) {
  let n = 0;
  return parseResponse(response, {
    requestedModel: 'gemini-3-pro-preview',
    toolNames,
    nextId: () => `gemini_call_${++n}`,
  });
}

const screenshotTurn = (label: string): Content => ({
  role: 'user',
  parts: [
    functionResponsePart('click_at', undefined, {
      content: [
        { type: 'text', text: label },
        { type: 'image', data: PIXEL, mimeType: 'image/png' },
      ],
    }),
  ],
});

describe('promptContents', () => {
  it('maps roles to user/model, images to inlineData, and merges consecutive messages of one role', () => {
    expect(
      promptContents([
        { role: 'user', content: { type: 'text', text: 'Look:' } },
        { role: 'user', content: { type: 'image', data: PIXEL, mimeType: 'image/png' } },
        { role: 'assistant', content: { type: 'text', text: 'A pixel.' } },
        { role: 'user', content: { type: 'resource', uri: 'x' } },
      ]),
    ).toEqual([
      {
        role: 'user',
        parts: [{ text: 'Look:' }, { inlineData: { mimeType: 'image/png', data: PIXEL } }],
      },
      { role: 'model', parts: [{ text: 'A pixel.' }] },
      { role: 'user', parts: [{ text: '{"type":"resource","uri":"x"}' }] },
    ]);
  });

  it('starts with a user turn', () => {
    expect(promptContents([{ role: 'assistant', content: { type: 'text', text: 'hi' } }])).toEqual([
      { role: 'user', parts: [{ text: '(no prompt)' }] },
      { role: 'model', parts: [{ text: 'hi' }] },
    ]);
  });
});

describe('functionResponsePart', () => {
  it('sends text as response.output, errors as response.error, images as function response parts', () => {
    expect(
      functionResponsePart('click_at', 'fc_1', {
        content: [
          { type: 'text', text: 'click at (1, 2)' },
          { type: 'image', data: PIXEL, mimeType: 'image/png' },
        ],
      }),
    ).toEqual({
      functionResponse: {
        id: 'fc_1',
        name: 'click_at',
        response: { output: 'click at (1, 2)' },
        parts: [{ inlineData: { mimeType: 'image/png', data: PIXEL } }],
      },
    });
    expect(
      functionResponsePart('run_shell_command', undefined, {
        content: [
          { type: 'text', text: '$ false' },
          { type: 'text', text: '(exit 1)' },
        ],
        isError: true,
      }),
    ).toEqual({
      functionResponse: { name: 'run_shell_command', response: { error: '$ false\n(exit 1)' } },
    });
  });

  it('uses structured content when there is no text, and never sends an empty error', () => {
    expect(
      functionResponsePart('kv_get', undefined, { content: [], structuredContent: { value: 'x' } })
        .functionResponse?.response,
    ).toEqual({ output: { value: 'x' } });
    expect(
      functionResponsePart('t', undefined, { content: [], isError: true }).functionResponse
        ?.response,
    ).toEqual({
      error: 'the tool failed',
    });
  });
});

describe('pruneScreenshots', () => {
  it('keeps the images of the last N screenshot turns and the text of all, without changing the history', () => {
    const history: Content[] = [
      {
        role: 'user',
        parts: [{ text: 'prompt' }, { inlineData: { mimeType: 'image/png', data: PIXEL } }],
      },
      ...['one', 'two', 'three', 'four', 'five'].flatMap((label): Content[] => [
        { role: 'model', parts: [{ functionCall: { name: 'click_at', args: { x: 1, y: 2 } } }] },
        screenshotTurn(label),
      ]),
    ];
    const pruned = pruneScreenshots(history, 3);
    const images = (contents: Content[]) =>
      contents.map((content) => content.parts?.[0]?.functionResponse?.parts?.length ?? 0);
    expect(images(pruned)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1]);
    expect(pruned[2]?.parts?.[0]?.functionResponse).toEqual({
      name: 'click_at',
      response: { output: 'one' },
    });
    // The prompt's own image is not a screenshot turn.
    expect(pruned[0]).toBe(history[0]);
    expect(images(history)).toEqual([0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(images(pruneScreenshots(history, 0))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('parseResponse', () => {
  it('reads text, thoughts, function calls (model ids or generated ones), finish reason, usage and model', () => {
    const parts = [
      { text: 'Let me think.', thought: true, thoughtSignature: 'sig' },
      { text: 'Checking ' },
      { text: 'now.' },
      { functionCall: { name: 'run_shell_command', args: { command: 'ls' } } },
      { functionCall: { id: 'fc_9', name: '_3d_render', args: {} } },
    ];
    const parsed = parse(
      {
        candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }],
        usageMetadata: {
          promptTokenCount: 100,
          candidatesTokenCount: 20,
          thoughtsTokenCount: 7,
          cachedContentTokenCount: 40,
          toolUsePromptTokenCount: 3,
        },
        modelVersion: 'gemini-3-pro-preview-001',
      } as GenerateContentResponse,
      new Map([
        ['run_shell_command', 'run_shell_command'],
        ['_3d_render', '3d_render'],
      ]),
    );
    expect(parsed.turn).toEqual({
      text: 'Checking now.',
      reasoning: 'Let me think.',
      toolCalls: [
        { id: 'gemini_call_1', name: 'run_shell_command', arguments: { command: 'ls' } },
        { id: 'fc_9', name: '3d_render', arguments: {} },
      ],
      finishReason: 'STOP',
      usage: { prompt_tokens: 103, completion_tokens: 27, cached_tokens: 40 },
      model: 'gemini-3-pro-preview-001',
    });
    // The model's turn goes back unchanged, thought signature included.
    expect(parsed.content).toEqual({ role: 'model', parts });
    expect([...parsed.calls]).toEqual([
      [
        'gemini_call_1',
        { functionName: 'run_shell_command', providerId: undefined, malformed: false },
      ],
      ['fc_9', { functionName: '_3d_render', providerId: 'fc_9', malformed: false }],
    ]);
  });

  it('reports MAX_TOKENS as Gemini names it, and an empty candidate without history content', () => {
    const cut = parse({
      candidates: [
        { content: { role: 'model', parts: [{ text: 'Partial' }] }, finishReason: 'MAX_TOKENS' },
      ],
    } as GenerateContentResponse);
    expect(cut.turn).toMatchObject({
      text: 'Partial',
      finishReason: 'MAX_TOKENS',
      model: 'gemini-3-pro-preview',
    });
    expect(cut.turn.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0 });
    const blocked = parse({ candidates: [{ finishReason: 'SAFETY' }] } as GenerateContentResponse);
    expect(blocked.content).toBeUndefined();
    expect(blocked.turn).toMatchObject({ text: '', toolCalls: [], finishReason: 'SAFETY' });
  });

  it('turns MALFORMED_FUNCTION_CALL into a call with raw arguments, so the loop can correct it', () => {
    const message = 'Malformed function call: print(default_api.kv_set(key="a", value=))';
    const parsed = parse(
      {
        candidates: [
          { content: {}, finishReason: 'MALFORMED_FUNCTION_CALL', finishMessage: message },
        ],
      } as GenerateContentResponse,
      new Map([['kv_set', 'kv_set']]),
    );
    expect(parsed.turn.toolCalls).toEqual([
      { id: 'gemini_call_1', name: 'kv_set', arguments: message },
    ]);
    expect(parsed.calls.get('gemini_call_1')).toEqual({
      functionName: 'kv_set',
      providerId: undefined,
      malformed: true,
    });
    expect(parsed.content).toBeUndefined();
  });

  it('throws when the prompt was blocked (no candidates)', () => {
    expect(() =>
      parse({
        promptFeedback: { blockReason: 'SAFETY', blockReasonMessage: 'nope' },
      } as GenerateContentResponse),
    ).toThrow(
      new GeminiResponseError(
        'Gemini returned no candidates: the prompt was blocked (SAFETY: nope)',
      ),
    );
  });

  it('leaves cached tokens out when Gemini reports none', () => {
    expect(usageOf({ promptTokenCount: 5, candidatesTokenCount: 2 })).toEqual({
      prompt_tokens: 5,
      completion_tokens: 2,
    });
  });
});
