import type { EventSourceMessage } from 'eventsource-parser';
import type { LlmApi } from './options.js';

/**
 * Tokens of one answered request. `inputTokens` counts the whole prompt, cached part included;
 * `cachedTokens` is the part read from the provider's prompt cache. Null where the provider said nothing.
 */
export interface TokenUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function sum(...values: unknown[]): number | null {
  const counts = values.map(count);
  return counts.some((value) => value !== null)
    ? counts.reduce<number>((total, value) => total + (value ?? 0), 0)
    : null;
}

/** OpenAI Chat `usage` (`prompt_tokens` includes cached ones). */
function chatUsage(usage: Json): TokenUsage {
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cachedTokens: count(object(usage.prompt_tokens_details)?.cached_tokens),
  };
}

/** OpenAI Responses `usage`. */
function responsesUsage(usage: Json): TokenUsage {
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedTokens: count(object(usage.input_tokens_details)?.cached_tokens),
  };
}

/** Anthropic `usage`: `input_tokens` excludes cache reads and writes, so they are added back. */
function anthropicUsage(usage: Json): TokenUsage {
  return {
    inputTokens: sum(
      usage.input_tokens,
      usage.cache_creation_input_tokens,
      usage.cache_read_input_tokens,
    ),
    outputTokens: count(usage.output_tokens),
    cachedTokens: count(usage.cache_read_input_tokens),
  };
}

/** Gemini `usageMetadata` (thinking tokens are billed as output). */
function geminiUsage(usage: Json): TokenUsage {
  return {
    inputTokens: count(usage.promptTokenCount),
    outputTokens: sum(usage.candidatesTokenCount, usage.thoughtsTokenCount),
    cachedTokens: count(usage.cachedContentTokenCount),
  };
}

/** The usage a non-streamed JSON answer of `api` reports, or undefined when it has none. */
export function usageOfBody(api: LlmApi, body: unknown): TokenUsage | undefined {
  const root = object(body);
  if (!root) return undefined;
  switch (api) {
    case 'openai-chat': {
      const usage = object(root.usage);
      return usage ? chatUsage(usage) : undefined;
    }
    case 'openai-responses': {
      const usage = object(root.usage);
      return usage ? responsesUsage(usage) : undefined;
    }
    case 'anthropic-messages': {
      const usage = object(root.usage);
      return usage ? anthropicUsage(usage) : undefined;
    }
    case 'gemini': {
      const usage = object(root.usageMetadata);
      return usage ? geminiUsage(usage) : undefined;
    }
  }
}

/**
 * Follows a streamed answer's server-sent events and keeps the usage they report: OpenAI Chat's chunk
 * with `usage` (sent when the client asked `stream_options.include_usage`), Responses'
 * `response.completed` (or `.incomplete`/`.failed`), Anthropic's `message_start` then `message_delta`
 * (output tokens are cumulative), Gemini's last chunk with `usageMetadata`. Unparseable events are skipped.
 */
export class StreamUsage {
  readonly #api: LlmApi;
  #usage: TokenUsage | undefined;

  constructor(api: LlmApi) {
    this.#api = api;
  }

  /**
   * Feeds one event. Events whose data never mentions `usage` (the text deltas: nearly all of a long
   * stream) are skipped without parsing their JSON: every usage object above has `usage` in its key.
   */
  onEvent(event: EventSourceMessage): void {
    if (event.data === '[DONE]' || !event.data.includes('usage')) return;
    let data: Json | undefined;
    try {
      data = object(JSON.parse(event.data));
    } catch {
      return;
    }
    if (!data) return;
    switch (this.#api) {
      case 'openai-chat':
      case 'gemini':
        this.#usage = usageOfBody(this.#api, data) ?? this.#usage;
        return;
      case 'openai-responses': {
        const response = object(data.response);
        if (String(data.type).startsWith('response.') && object(response?.usage)) {
          this.#usage = usageOfBody('openai-responses', response);
        }
        return;
      }
      case 'anthropic-messages': {
        if (data.type === 'message_start') {
          this.#usage = usageOfBody('anthropic-messages', object(data.message)) ?? this.#usage;
        } else if (data.type === 'message_delta') {
          const delta = object(data.usage);
          if (!delta) return;
          const merged = { ...anthropicUsage(delta) };
          this.#usage = {
            inputTokens: merged.inputTokens ?? this.#usage?.inputTokens ?? null,
            outputTokens: merged.outputTokens ?? this.#usage?.outputTokens ?? null,
            cachedTokens: merged.cachedTokens ?? this.#usage?.cachedTokens ?? null,
          };
        }
        return;
      }
    }
  }

  /** The usage seen so far. */
  get usage(): TokenUsage | undefined {
    return this.#usage;
  }
}
