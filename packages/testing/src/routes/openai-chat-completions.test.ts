import { describe, expect, it } from 'vitest';
import { postTo } from '../__fixtures__/post-route.js';
import type { FakeTurn } from '../turns.js';
import { openaiChatCompletionsRoute } from './openai-chat-completions.js';

const post = (turns: FakeTurn[], body: unknown) =>
  postTo(openaiChatCompletionsRoute, turns, '/v1/chat/completions', body);

describe('openai-chat route', () => {
  it('renders reasoning_content, raw-string arguments, the turn’s model and usage with cached tokens', async () => {
    const { json } = await post(
      [
        {
          reasoning: 'think',
          text: 'calling',
          model: 'served-name',
          toolCalls: [{ id: 'mine', name: 'add', arguments: '{"a":' }],
          usage: { inputTokens: 30, outputTokens: 4, cachedTokens: 12 },
        },
      ],
      { model: 'requested', messages: [] },
    );
    expect(json.model).toBe('served-name');
    expect(json.choices[0]).toEqual({
      index: 0,
      finish_reason: 'tool_calls',
      logprobs: null,
      message: {
        role: 'assistant',
        content: 'calling',
        refusal: null,
        reasoning_content: 'think',
        tool_calls: [
          { id: 'mine', type: 'function', function: { name: 'add', arguments: '{"a":' } },
        ],
      },
    });
    expect(json.usage).toEqual({
      prompt_tokens: 30,
      completion_tokens: 4,
      total_tokens: 34,
      prompt_tokens_details: { cached_tokens: 12 },
    });
  });

  it('keeps the fixed usage and the request’s model by default, and a scripted finish reason', async () => {
    const { json } = await post([{ text: 'cut', finishReason: 'length' }], {
      model: 'requested',
      messages: [],
    });
    expect(json.model).toBe('requested');
    expect(json.choices[0].finish_reason).toBe('length');
    expect(json.choices[0].message.reasoning_content).toBeUndefined();
    expect(json.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  it('returns vLLM token ids and logprobs only when the request asks for them', async () => {
    const turns: FakeTurn[] = [{ text: 'ok', usage: { inputTokens: 3, outputTokens: 2 } }];
    const asked = await post(turns, {
      model: 'm',
      messages: [],
      return_token_ids: true,
      logprobs: true,
    });
    expect(asked.json.prompt_token_ids).toEqual([1, 2, 3]);
    expect(asked.json.choices[0].token_ids).toEqual([1000, 1001]);
    expect(
      asked.json.choices[0].logprobs.content.map((entry: { logprob: number }) => entry.logprob),
    ).toEqual([-0.01, -0.02]);
    const plain = await post(turns, { model: 'm', messages: [] });
    expect(plain.json.prompt_token_ids).toBeUndefined();
    expect(plain.json.choices[0].token_ids).toBeUndefined();
    expect(plain.json.choices[0].logprobs).toBeNull();
  });
});
