import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import type { LlmApi } from './options.js';
import { StreamUsage } from './token-usage.js';

/** The usage a stream of `events` (`[event name, data]`) reports, fed through the SSE parser. */
function usageOf(api: LlmApi, events: [string | undefined, unknown][]) {
  const tracker = new StreamUsage(api);
  const parser = createParser({ onEvent: (event) => tracker.onEvent(event) });
  for (const [name, data] of events) {
    parser.feed(
      `${name ? `event: ${name}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    );
  }
  return tracker.usage;
}

describe('StreamUsage', () => {
  it('reads each API’s usage events and skips the rest (text deltas, [DONE], bad JSON)', () => {
    const text = (index: number) => ({
      type: 'content_block_delta',
      index,
      delta: { type: 'text_delta', text: 'hi' },
    });
    expect(
      usageOf('anthropic-messages', [
        [
          'message_start',
          {
            type: 'message_start',
            message: { usage: { input_tokens: 10, cache_read_input_tokens: 4, output_tokens: 1 } },
          },
        ],
        ['content_block_delta', text(0)],
        ['content_block_delta', '{not json'],
        ['message_delta', { type: 'message_delta', delta: {}, usage: { output_tokens: 9 } }],
      ]),
    ).toEqual({ inputTokens: 14, outputTokens: 9, cachedTokens: 4 });
    expect(
      usageOf('openai-chat', [
        [undefined, { choices: [{ delta: { content: 'hi' } }] }],
        [undefined, { choices: [], usage: { prompt_tokens: 7, completion_tokens: 3 } }],
        [undefined, '[DONE]'],
      ]),
    ).toEqual({ inputTokens: 7, outputTokens: 3, cachedTokens: null });
    expect(
      usageOf('openai-responses', [
        ['response.output_text.delta', { type: 'response.output_text.delta', delta: 'hi' }],
        [
          'response.completed',
          {
            type: 'response.completed',
            response: { usage: { input_tokens: 5, output_tokens: 2 } },
          },
        ],
      ]),
    ).toEqual({ inputTokens: 5, outputTokens: 2, cachedTokens: null });
    expect(
      usageOf('gemini', [
        [undefined, { candidates: [{ content: { parts: [{ text: 'hi' }] } }] }],
        [
          undefined,
          { candidates: [], usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 2 } },
        ],
      ]),
    ).toEqual({ inputTokens: 6, outputTokens: 2, cachedTokens: null });
    expect(usageOf('anthropic-messages', [['content_block_delta', text(0)]])).toBeUndefined();
  });
});
