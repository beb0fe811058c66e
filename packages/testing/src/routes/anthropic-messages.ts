import { type ProviderRoute, rawReply } from '../provider-route.js';
import type { TextTurn, ToolCallsTurn } from '../turns.js';

/** A tool call's input as the fake sends it: objects as they are, JSON object text parsed, anything else raw. */
function toolInput(value: unknown): unknown {
  if (value === undefined) return {};
  if (typeof value !== 'string') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : value;
  } catch {
    return value; // malformed on purpose: the harness must cope
  }
}

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

function message(turn: TextTurn | ToolCallsTurn, body: unknown, index: number) {
  const requested = (body as { model?: unknown } | null)?.model;
  const model = turn.model ?? (typeof requested === 'string' ? requested : 'claude-fake');
  const content: Record<string, unknown>[] = [];
  if (turn.reasoning) {
    content.push({ type: 'thinking', thinking: turn.reasoning, signature: `sig_fake_${index}` });
  }
  if (turn.text) content.push({ type: 'text', text: turn.text, citations: null });
  const calls = 'toolCalls' in turn ? turn.toolCalls : [];
  calls.forEach((call, position) => {
    content.push({
      type: 'tool_use',
      id: call.id ?? `toolu_${index}_${position}`,
      name: call.name,
      input: toolInput(call.arguments),
    });
  });
  const usage = turn.usage ?? {};
  return {
    id: `msg_fake_${index}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: turn.finishReason ?? (calls.length > 0 ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: {
      input_tokens: usage.inputTokens ?? 10,
      output_tokens: usage.outputTokens ?? 5,
      cache_read_input_tokens: usage.cachedTokens ?? 0,
      cache_creation_input_tokens: 0,
    },
  };
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The message as Messages API server-sent events (`message_start` … `message_stop`). */
function stream(full: ReturnType<typeof message>): string {
  const events = [event('message_start', { message: { ...full, content: [], stop_reason: null } })];
  full.content.forEach((block, index) => {
    if (block.type === 'tool_use') {
      events.push(
        event('content_block_start', { index, content_block: { ...block, input: {} } }),
        event('content_block_delta', {
          index,
          delta: {
            type: 'input_json_delta',
            partial_json:
              typeof block.input === 'string' ? block.input : JSON.stringify(block.input),
          },
        }),
      );
    } else if (block.type === 'thinking') {
      events.push(
        event('content_block_start', {
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        }),
        event('content_block_delta', {
          index,
          delta: { type: 'thinking_delta', thinking: block.thinking },
        }),
        event('content_block_delta', {
          index,
          delta: { type: 'signature_delta', signature: block.signature },
        }),
      );
    } else {
      events.push(
        event('content_block_start', { index, content_block: { type: 'text', text: '' } }),
        event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } }),
      );
    }
    events.push(event('content_block_stop', { index }));
  });
  events.push(
    event('message_delta', {
      delta: { stop_reason: full.stop_reason, stop_sequence: null },
      usage: { output_tokens: full.usage.output_tokens },
    }),
    event('message_stop', {}),
  );
  return events.join('');
}

/**
 * Anthropic Messages, `POST /v1/messages` (beta requests too). Envelope as in
 * `docs/spec/provider-apis.md` §4.1 (logged from `@anthropic-ai/sdk`): a `message` with `thinking`
 * (from `reasoning`), `text` and `tool_use` blocks (string arguments that are not a JSON object are sent
 * raw, as a malformed input), `stop_reason` `tool_use`/`end_turn` unless the turn names one, usage from
 * the turn (default 10 in / 5 out). With `"stream": true` in the request it answers server-sent events.
 * Errors use Anthropic's `{type: 'error', error: {type, message}}` envelope.
 */
export const anthropicMessagesRoute: ProviderRoute = {
  name: 'anthropic-messages',
  method: 'POST',
  url: '/v1/messages',
  render(turn, { body, index }) {
    const full = message(turn, body, index);
    return (body as { stream?: unknown } | null)?.stream === true ? rawReply(stream(full)) : full;
  },
  errorBody(status, text) {
    const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    return { type: 'error', error: { type, message: text } };
  },
};
