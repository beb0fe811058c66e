import type { ProviderRoute } from '../provider-route.js';

function encodeArguments(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value ?? {});
}

function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)[key]
    : undefined;
}

/** `status` and `incomplete_details` for a scripted finish reason. */
function completion(finishReason: string | undefined): {
  status: string;
  incomplete_details: { reason: string } | null;
} {
  if (finishReason === 'max_output_tokens' || finishReason === 'length') {
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  }
  if (finishReason === 'content_filter') {
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  }
  return { status: finishReason ?? 'completed', incomplete_details: null };
}

/**
 * OpenAI Responses, `POST /v1/responses`, non-streaming. Envelope as in `docs/spec/provider-apis.md` §4.2
 * (logged from the official `openai` SDK): a `response` object whose `output` holds, in order, a
 * `reasoning` item (when the turn has `reasoning`: its text as a `summary_text`, plus an opaque
 * `encrypted_content` when the request's `include` asks for `reasoning.encrypted_content`), a `message`
 * with one `output_text` (when the turn has text) and one `function_call` per tool call (`arguments`
 * JSON-encoded unless scripted as a string, so malformed arguments can be scripted). A `finishReason` of
 * `max_output_tokens` (or `length`) or `content_filter` makes the response `incomplete` with that reason.
 * `usage` reports `input_tokens` (default 10), `input_tokens_details.cached_tokens` (default 0) and
 * `output_tokens` (default 5). The request's `model`, `instructions`, `tools`, `store`… are echoed.
 */
export const openaiResponsesRoute: ProviderRoute = {
  name: 'openai-responses',
  method: 'POST',
  url: '/v1/responses',
  render(turn, { body, index }) {
    const requested = field(body, 'model');
    const model = turn.model ?? (typeof requested === 'string' ? requested : 'fake-model');
    const include = field(body, 'include');
    const encrypted = Array.isArray(include) && include.includes('reasoning.encrypted_content');
    const output: unknown[] = [];
    if (turn.reasoning !== undefined) {
      output.push({
        type: 'reasoning',
        id: `rs_fake_${index}`,
        summary: [{ type: 'summary_text', text: turn.reasoning }],
        ...(encrypted
          ? {
              encrypted_content: `fake-encrypted:${Buffer.from(turn.reasoning).toString('base64')}`,
            }
          : {}),
      });
    }
    if (turn.text !== undefined && turn.text !== '') {
      output.push({
        type: 'message',
        id: `msg_fake_${index}`,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: turn.text, annotations: [], logprobs: [] }],
      });
    }
    if ('toolCalls' in turn) {
      turn.toolCalls.forEach((call, position) => {
        output.push({
          type: 'function_call',
          id: `fc_fake_${index}_${position}`,
          call_id: call.id ?? `call_${index}_${position}`,
          name: call.name,
          arguments: encodeArguments(call.arguments),
          status: 'completed',
        });
      });
    }
    const inputTokens = turn.usage?.inputTokens ?? 10;
    const outputTokens = turn.usage?.outputTokens ?? 5;
    const echo = (key: string, fallback: unknown) => field(body, key) ?? fallback;
    return {
      id: `resp_fake_${index}`,
      object: 'response',
      created_at: 1700000000,
      ...completion(turn.finishReason),
      error: null,
      instructions: echo('instructions', null),
      max_output_tokens: echo('max_output_tokens', null),
      metadata: {},
      model,
      output,
      parallel_tool_calls: echo('parallel_tool_calls', true),
      previous_response_id: echo('previous_response_id', null),
      reasoning: echo('reasoning', { effort: null, summary: null }),
      store: echo('store', true),
      temperature: echo('temperature', 1),
      text: echo('text', { format: { type: 'text' } }),
      tool_choice: echo('tool_choice', 'auto'),
      tools: echo('tools', []),
      top_p: echo('top_p', 1),
      truncation: echo('truncation', 'disabled'),
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: turn.usage?.cachedTokens ?? 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + outputTokens,
      },
      user: null,
    };
  },
  errorBody(status, message) {
    return {
      error: {
        message,
        type: status === 429 ? 'rate_limit_exceeded' : 'fake_error',
        code: status === 429 ? 'rate_limit_exceeded' : null,
        param: null,
      },
    };
  },
};
