import type { FakeTurn } from '@hud/testing';
import OpenAI, { APIConnectionError, APIUserAbortError } from 'openai';
import { expect, it } from 'vitest';
import type { ModelAdapter, ModelConversation } from '../model/adapter.js';

/**
 * Registers, in the calling `describe`, the `classifyError` tests every adapter on the official OpenAI SDK
 * passes (both classify the SDK's errors with `classifyOpenAIError`).
 * @param options.failure what the adapter's first request rejects with when the fake provider answers `turn`.
 * @param options.lateConversation a conversation whose provider answers only after 5 s.
 */
export function openAIErrorTests(options: {
  adapter: Pick<ModelAdapter, 'classifyError'>;
  failure: (turn: FakeTurn) => Promise<unknown>;
  lateConversation: () => Promise<ModelConversation>;
}): void {
  const { adapter, failure } = options;

  it('retries a 429 after the server’s retry-after (seconds), and a 503 after retry-after-ms', async () => {
    const limited = await failure({ status: 429, headers: { 'retry-after': '2' } });
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(adapter.classifyError(limited)).toEqual({
      status: 429,
      retryable: true,
      retryAfterMs: 2000,
    });
    const unavailable = await failure({
      status: 503,
      headers: { 'retry-after-ms': '250', 'retry-after': '9' },
    });
    expect(adapter.classifyError(unavailable)).toEqual({
      status: 503,
      retryable: true,
      retryAfterMs: 250,
    });
  });

  it('does not retry a 400, nor a 500 the server says not to retry', async () => {
    expect(adapter.classifyError(await failure({ status: 400, message: 'bad schema' }))).toEqual({
      status: 400,
      retryable: false,
      retryAfterMs: undefined,
    });
    expect(
      adapter.classifyError(await failure({ status: 500, headers: { 'x-should-retry': 'false' } })),
    ).toMatchObject({ status: 500, retryable: false });
  });

  it('retries a connection reset, not an abort nor a foreign error', async () => {
    const dropped = await failure({ drop: true });
    expect(dropped).toBeInstanceOf(APIConnectionError);
    expect(adapter.classifyError(dropped)).toEqual({
      status: undefined,
      retryable: true,
      retryAfterMs: undefined,
    });
    const conversation = await options.lateConversation();
    const controller = new AbortController();
    const pending = conversation.next({ signal: controller.signal });
    controller.abort();
    const aborted = await pending.catch((caught: unknown) => caught);
    expect(aborted).toBeInstanceOf(APIUserAbortError);
    expect(adapter.classifyError(aborted).retryable).toBe(false);
    expect(adapter.classifyError(new TypeError('boom')).retryable).toBe(false);
  });
}
