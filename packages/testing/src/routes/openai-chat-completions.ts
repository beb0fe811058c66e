import type { ProviderRoute } from '../provider-route.js';

function encodeArguments(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value ?? {});
}

/** Ids of `count` fake tokens starting at `first`. */
const tokenIds = (first: number, count: number) =>
  Array.from({ length: count }, (_, position) => first + position);

/**
 * vLLM's token fields when the request asks for them (deterministic, so tests can check them): with
 * `return_token_ids: true`, `prompt_token_ids` on the response (ids 1…prompt_tokens) and
 * `choices[0].token_ids` (ids 1000+index·100…, one per completion token); with `logprobs: true`,
 * `logprobs.content` with one entry per completion token, `logprob` −0.01·(position + 1).
 */
function tokenFields(body: unknown, index: number, promptTokens: number, completionTokens: number) {
  const request = (body ?? {}) as { return_token_ids?: unknown; logprobs?: unknown };
  const output = tokenIds(1000 + index * 100, completionTokens);
  return {
    response:
      request.return_token_ids === true ? { prompt_token_ids: tokenIds(1, promptTokens) } : {},
    choice: {
      ...(request.return_token_ids === true ? { token_ids: output } : {}),
      logprobs:
        request.logprobs === true
          ? {
              content: output.map((id, position) => ({
                token: `t${id}`,
                logprob: -0.01 * (position + 1),
                bytes: null,
                top_logprobs: [],
              })),
            }
          : null,
    },
  };
}

/**
 * OpenAI Chat Completions, `POST /v1/chat/completions`, non-streaming. Envelope as in
 * `docs/spec/provider-apis.md` §4.2 (logged from the official `openai` SDK): `chat.completion` with one
 * choice, `finish_reason` `stop` or `tool_calls` (or the turn's `finishReason`, e.g. `length`), the turn's
 * `model` or else the request's echoed, tool calls with `arguments` JSON-encoded unless scripted as a string
 * (so malformed arguments can be scripted). `usage` is `prompt_tokens` 10 / `completion_tokens` 5 unless
 * the turn has `usage`; `cachedTokens` adds `prompt_tokens_details.cached_tokens`. A turn's `reasoning`
 * becomes `message.reasoning_content`, as vLLM and DeepSeek send it. Token ids and logprobs as vLLM sends
 * them when the request asks (`return_token_ids`, `logprobs`; see {@link tokenFields}).
 */
export const openaiChatCompletionsRoute: ProviderRoute = {
  name: 'openai-chat',
  method: 'POST',
  url: '/v1/chat/completions',
  render(turn, { body, index }) {
    const requested = (body as { model?: unknown } | null)?.model;
    const model = turn.model ?? (typeof requested === 'string' ? requested : 'fake-model');
    const toolCalls =
      'toolCalls' in turn
        ? turn.toolCalls.map((call, position) => ({
            id: call.id ?? `call_${index}_${position}`,
            type: 'function',
            function: { name: call.name, arguments: encodeArguments(call.arguments) },
          }))
        : undefined;
    const promptTokens = turn.usage?.inputTokens ?? 10;
    const completionTokens = turn.usage?.outputTokens ?? 5;
    const finishReason =
      'finishReason' in turn && turn.finishReason
        ? turn.finishReason
        : toolCalls
          ? 'tool_calls'
          : 'stop';
    const tokens = tokenFields(body, index, promptTokens, completionTokens);
    return {
      ...tokens.response,
      id: `chatcmpl_fake_${index}`,
      object: 'chat.completion',
      created: 1700000000,
      model,
      choices: [
        {
          index: 0,
          finish_reason: finishReason,
          ...tokens.choice,
          message: {
            role: 'assistant',
            content: turn.text ?? null,
            refusal: null,
            ...(turn.reasoning !== undefined ? { reasoning_content: turn.reasoning } : {}),
            ...(toolCalls ? { tool_calls: toolCalls } : {}),
          },
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        ...(turn.usage?.cachedTokens !== undefined
          ? { prompt_tokens_details: { cached_tokens: turn.usage.cachedTokens } }
          : {}),
      },
    };
  },
  errorBody(status, message) {
    return {
      error: {
        message,
        type: status === 429 ? 'rate_limit_exceeded' : 'fake_error',
        code: null,
        param: null,
      },
    };
  },
};
