import { isRecord, type JsonObject, type PromptMessage } from '@hud/protocol';
import type {
  ChatCompletion,
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ModelToolCall, ModelTurn, ToolResultEntry } from '../../model/adapter.js';
import { type AgentTool, dataUrl, type ToolOutput } from '../../tools/tool.js';
import { chatParameters } from './chat-schema.js';

/** What a successful tool call with no output of its own sends back (hud-python 0.6.16 `format_chat_result`). */
export const EMPTY_RESULT_TEXT = 'Tool executed successfully';

/** The start of a failed call's tool message: Chat Completions has no error flag on tool messages. */
export const TOOL_ERROR_PREFIX = 'Error: ';

/**
 * A 200 reply that is not a usable chat completion: no `choices` (an HTML page from a wrong base URL, or
 * the `{error: {code, message}}` body OpenRouter sends when an upstream fails).
 */
export class ChatResponseError extends Error {
  readonly code = 'invalid_response';
  /** The HTTP-like status the body names (`error.code`), when it names one. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'ChatResponseError';
    this.status = status;
  }
}

/** Each {@link AgentTool} as a Chat Completions function tool, its schema sanitized by {@link chatParameters}. */
export function chatTools(tools: readonly AgentTool[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      description: tool.description,
      parameters: chatParameters(tool.inputSchema),
    },
  }));
}

/**
 * Appends user content, merging it into the last message when that is a user message too: chat templates
 * of many open models (served by vLLM, llama.cpp) refuse two user messages in a row.
 */
export function appendUser(
  history: ChatCompletionMessageParam[],
  parts: readonly ChatCompletionContentPart[],
): void {
  const last = history.at(-1);
  const previous =
    last?.role === 'user'
      ? typeof last.content === 'string'
        ? [{ type: 'text' as const, text: last.content }]
        : last.content
      : undefined;
  const content = [...(previous ?? []), ...parts];
  const textOnly = content.every((part) => part.type === 'text');
  // Plain text goes as a string, the form every compatible server accepts.
  const message: ChatCompletionMessageParam = {
    role: 'user',
    content: textOnly ? content.map((part) => part.text).join('\n\n') : content,
  };
  if (previous) history[history.length - 1] = message;
  else history.push(message);
}

/**
 * The conversation's opening messages: the system prompt first (hud-python prepends it), then the task's
 * prompt with consecutive messages of one role merged; images as `image_url` data URLs, assistant turns
 * as their text.
 */
export function promptMessages(
  system: string | undefined,
  messages: readonly PromptMessage[],
): ChatCompletionMessageParam[] {
  const history: ChatCompletionMessageParam[] = [];
  if (system !== undefined) history.push({ role: 'system', content: system });
  for (const message of messages) {
    const part = message.content as {
      type?: unknown;
      text?: unknown;
      data?: unknown;
      mimeType?: unknown;
    };
    const text = part.type === 'text' && typeof part.text === 'string' ? part.text : undefined;
    const image =
      part.type === 'image' && typeof part.data === 'string' && typeof part.mimeType === 'string'
        ? { data: part.data, mimeType: part.mimeType }
        : undefined;
    if (message.role === 'assistant') {
      const content = text ?? (image ? '[image]' : JSON.stringify(message.content));
      const last = history.at(-1);
      if (last?.role === 'assistant' && typeof last.content === 'string') {
        last.content = `${last.content}\n\n${content}`;
      } else {
        history.push({ role: 'assistant', content });
      }
    } else if (image) {
      appendUser(history, [{ type: 'image_url', image_url: { url: dataUrl(image) } }]);
    } else {
      appendUser(history, [{ type: 'text', text: text ?? JSON.stringify(message.content) }]);
    }
  }
  return history;
}

function resultText(output: ToolOutput): string {
  const texts = output.content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  let text = texts.join('\n');
  if (text === '' && output.structuredContent !== undefined) {
    text = JSON.stringify(output.structuredContent);
  }
  if (output.isError === true) return `${TOOL_ERROR_PREFIX}${text || 'the tool failed'}`;
  return text === '' ? EMPTY_RESULT_TEXT : text;
}

/**
 * Tool results as Chat Completions messages: one `{role: 'tool', tool_call_id, content}` per call, in call
 * order, the content the result's text (parts joined by newlines; `Tool executed successfully` when there
 * is none; failed calls start with `Error: `). Tool messages cannot carry images, so when results hold
 * images, the last one follows in one user message after all tool messages (hud-python 0.6.16 sends it
 * after each tool message, which the API refuses when a turn has several calls).
 */
export function toolMessages(results: readonly ToolResultEntry[]): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  let lastImage: { entry: ToolResultEntry; url: string } | undefined;
  for (const entry of results) {
    messages.push({ role: 'tool', tool_call_id: entry.call.id, content: resultText(entry.output) });
    for (const part of entry.output.content) {
      if (part.type === 'image') lastImage = { entry, url: dataUrl(part) };
    }
  }
  if (lastImage) {
    const { call } = lastImage.entry;
    messages.push({
      role: 'user',
      content: [
        { type: 'text', text: `The image returned by the '${call.name}' call (${call.id}):` },
        { type: 'image_url', image_url: { url: lastImage.url } },
      ],
    });
  }
  return messages;
}

/**
 * A function call's `arguments` as the tool's input: a JSON object, `{}` for an empty string, or the raw
 * text when it is not a JSON object (the loop answers those with an error asking for the call in full).
 */
export function parseArguments(raw: unknown): JsonObject | string {
  if (isRecord(raw)) return raw; // Some servers send an object instead of a JSON string.
  if (typeof raw !== 'string') return raw === undefined || raw === null ? {} : String(raw);
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? parsed : raw;
  } catch {
    return raw;
  }
}

/** The `arguments` string a call is replayed with in the history. */
function replayArguments(raw: unknown, parsed: JsonObject | string): string {
  // vLLM parses replayed arguments as JSON to render chat templates and answers 400 when they are not: a
  // malformed call goes back as `{}` (the tool result says what was wrong), a valid one verbatim.
  if (typeof parsed === 'string') return '{}';
  return typeof raw === 'string' && raw.trim() !== '' ? raw : JSON.stringify(parsed);
}

/** The reasoning fields servers put on assistant messages and some want back (DeepSeek, OpenRouter). */
const REASONING_FIELDS = ['reasoning_content', 'reasoning', 'reasoning_details'] as const;

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  // Not in the OpenAI schema, but some servers answer with content parts.
  if (Array.isArray(content)) {
    return content
      .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
      .join('');
  }
  return '';
}

function cachedTokens(usage: ChatCompletion['usage']): number | undefined {
  const cached = usage?.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') return cached;
  // DeepSeek reports its cache hits under its own name.
  const deepseek = (usage as { prompt_cache_hit_tokens?: unknown } | undefined)
    ?.prompt_cache_hit_tokens;
  return typeof deepseek === 'number' ? deepseek : undefined;
}

/** What {@link parseCompletion} reads from one reply. */
export interface ParsedCompletion {
  turn: ModelTurn;
  /** The reply as it goes back into the history. */
  assistant: ChatCompletionAssistantMessageParam;
}

/**
 * Reads a chat completion into a provider-neutral {@link ModelTurn} and the assistant message to keep in
 * the history: text from `choices[0].message.content` (the refusal when there is no content), reasoning
 * from `reasoning_content` or `reasoning`, function calls with their arguments parsed (the raw text kept
 * when it is not a JSON object; calls without an id get `call_<turn>_<n>`), `finish_reason` as it is
 * (`length` when cut at `max_tokens`), usage with `prompt_tokens_details.cached_tokens`.
 * @param options.turnIndex numbers generated call ids; `replayReasoning` keeps reasoning fields on the
 *   replayed message.
 * @throws ChatResponseError when the reply has no choices.
 */
export function parseCompletion(
  completion: ChatCompletion,
  options: { requestedModel: string; turnIndex: number; replayReasoning: boolean },
): ParsedCompletion {
  if (!isRecord(completion) || !Array.isArray(completion.choices) || !completion.choices[0]) {
    const error = isRecord(completion) && isRecord(completion.error) ? completion.error : undefined;
    const status = typeof error?.code === 'number' ? error.code : undefined;
    const detail =
      typeof error?.message === 'string'
        ? error.message
        : `${JSON.stringify(completion)?.slice(0, 200) ?? 'nothing'}`;
    throw new ChatResponseError(
      `the server answered without choices: ${detail}. Check that base_url is the API root (ending in /v1 for vLLM, Ollama and OpenRouter).`,
      status,
    );
  }
  const choice = completion.choices[0];
  const message = (choice.message ?? {}) as ChatCompletion.Choice['message'] &
    Record<string, unknown>;
  const toolCalls: ModelToolCall[] = [];
  const replayed: ChatCompletionMessageFunctionToolCall[] = [];
  (message.tool_calls ?? []).forEach((call, position) => {
    const fn = (call as { function?: { name?: unknown; arguments?: unknown } }).function;
    if (!fn || typeof fn.name !== 'string') return; // custom (non-function) tools are never offered
    const id =
      typeof call.id === 'string' && call.id !== ''
        ? call.id
        : `call_${options.turnIndex}_${position}`;
    const args = parseArguments(fn.arguments);
    toolCalls.push({ id, name: fn.name, arguments: args });
    replayed.push({
      id,
      type: 'function',
      function: { name: fn.name, arguments: replayArguments(fn.arguments, args) },
    });
  });
  const refusal = typeof message.refusal === 'string' ? message.refusal : '';
  const text = messageText(message.content) || refusal;
  const reasoningText = [message.reasoning_content, message.reasoning].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );

  const assistant: ChatCompletionAssistantMessageParam & Record<string, unknown> = {
    role: 'assistant',
    // Content may be null only next to tool calls.
    content: text === '' && replayed.length > 0 ? null : text,
  };
  if (replayed.length > 0) assistant.tool_calls = replayed;
  if (options.replayReasoning) {
    for (const field of REASONING_FIELDS) {
      const value = message[field];
      if (value !== undefined && value !== null && value !== '') assistant[field] = value;
    }
  }

  const usage = completion.usage;
  const cached = cachedTokens(usage);
  return {
    turn: {
      text,
      reasoning: reasoningText ?? null,
      toolCalls,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      usage: {
        prompt_tokens: usage?.prompt_tokens ?? 0,
        completion_tokens: usage?.completion_tokens ?? 0,
        ...(cached !== undefined ? { cached_tokens: cached } : {}),
      },
      model:
        typeof completion.model === 'string' && completion.model !== ''
          ? completion.model
          : options.requestedModel,
    },
    assistant,
  };
}
