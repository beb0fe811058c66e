import { isRecord, type JsonObject, type PromptMessage } from '@hud/protocol';
import type {
  FunctionTool,
  ImageDetail,
  Response,
  ResponseFunctionCallOutputItemList,
  ResponseInputItem,
  ResponseOutputItem,
} from 'openai/resources/responses/responses';
import type { ModelToolCall, ModelTurn } from '../../model/adapter.js';
import { type AgentTool, dataUrl, type ToolOutput } from '../../tools/tool.js';
import { type NullPlan, restoreOptional, strictParameters } from './strict-schema.js';

/** The first text part of an error result, as hud-python 0.6.16 marks failed tool calls for OpenAI. */
export const TOOL_ERROR_MARKER = '[tool_error] true';

/** Function tools for the Responses API, plus what is needed to read the model's calls back. */
export interface ResponsesToolset {
  tools: FunctionTool[];
  /** Per tool name: the optional properties made nullable for strict mode. */
  plans: ReadonlyMap<string, NullPlan>;
}

/**
 * Each {@link AgentTool} as a Responses function tool `{type:'function', name, description, parameters,
 * strict}`; `strict` only when the schema can be made strict without changing what the tool accepts
 * (see `strictParameters`).
 */
export function responsesTools(tools: readonly AgentTool[]): ResponsesToolset {
  const plans = new Map<string, NullPlan>();
  const functions = tools.map((tool): FunctionTool => {
    const { parameters, strict, plan } = strictParameters(tool.inputSchema);
    if (plan) plans.set(tool.name, plan);
    return { type: 'function', name: tool.name, description: tool.description, parameters, strict };
  });
  return { tools: functions, plans };
}

function partText(content: PromptMessage['content']): string | undefined {
  const part = content as { type?: unknown; text?: unknown };
  if (part.type === 'text' && typeof part.text === 'string') return part.text;
  return undefined;
}

/**
 * The task prompt as Responses input messages: user text as `input_text`, images as `input_image` data
 * URLs, assistant turns as assistant messages with their text (hud-python sent assistant history as
 * `input_text`, which the API refuses for the assistant role, spec §12.9).
 */
export function promptInput(messages: readonly PromptMessage[]): ResponseInputItem[] {
  return messages.map((message): ResponseInputItem => {
    const { content } = message;
    const text = partText(content);
    const part = content as { type?: unknown; data?: unknown; mimeType?: unknown };
    const isImage =
      part.type === 'image' && typeof part.data === 'string' && typeof part.mimeType === 'string';
    if (message.role === 'assistant') {
      const body = text ?? (isImage ? '[image]' : JSON.stringify(content));
      return { type: 'message', role: 'assistant', content: body };
    }
    if (isImage) {
      return {
        type: 'message',
        role: 'user',
        content: [
          {
            type: 'input_image',
            image_url: dataUrl(part as { data: string; mimeType: string }),
            detail: 'auto',
          },
        ],
      };
    }
    return userText(text ?? JSON.stringify(content));
  });
}

/** A user message with one `input_text` part. */
export function userText(text: string): ResponseInputItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/**
 * A tool result as `function_call_output`. Text-only results are sent as a string (what every
 * Responses-compatible server accepts); results with images as a list of `input_text` / `input_image`
 * (data URL) parts. Failed calls start with the line `[tool_error] true` (hud-python's marker).
 * Structured content is added as JSON text only when the result has no text of its own.
 */
export function functionCallOutput(
  callId: string,
  output: ToolOutput,
  detail: ImageDetail | undefined,
): ResponseInputItem {
  const texts: string[] = [];
  if (output.isError === true) texts.push(TOOL_ERROR_MARKER);
  const hasText = output.content.some((part) => part.type === 'text');
  if (!hasText && output.structuredContent !== undefined) {
    texts.push(JSON.stringify(output.structuredContent));
  }
  if (!output.content.some((part) => part.type === 'image')) {
    for (const part of output.content) if (part.type === 'text') texts.push(part.text);
    return { type: 'function_call_output', call_id: callId, output: texts.join('\n') };
  }
  const parts: ResponseFunctionCallOutputItemList = texts.map((text) => ({
    type: 'input_text',
    text,
  }));
  for (const part of output.content) {
    if (part.type === 'text') {
      parts.push({ type: 'input_text', text: part.text });
    } else {
      parts.push({
        type: 'input_image',
        image_url: dataUrl(part),
        ...(detail ? { detail } : {}),
      });
    }
  }
  return { type: 'function_call_output', call_id: callId, output: parts };
}

/**
 * The model's output items as they go back into `input` on the next call, so the conversation lives on the
 * client (works with `store: false` and any Responses-compatible server). With `keepIds` (`store: true`)
 * items are replayed verbatim; otherwise server-side ids are dropped, because a server that stored nothing
 * refuses references to them ("Items are not persisted when `store` is set to false"), and reasoning items
 * that carry neither `encrypted_content` nor `content` are left out (they could only be resolved by id).
 */
export function replayItems(
  output: readonly ResponseOutputItem[],
  keepIds: boolean,
): ResponseInputItem[] {
  if (keepIds) return output.map((item) => item as ResponseInputItem);
  const items: ResponseInputItem[] = [];
  for (const item of output) {
    switch (item.type) {
      case 'message': {
        const content = item.content.map((part) =>
          part.type === 'output_text'
            ? { type: 'output_text', text: part.text, annotations: part.annotations ?? [] }
            : part,
        );
        items.push({
          type: 'message',
          role: 'assistant',
          content,
          status: item.status ?? 'completed',
          ...(item.phase ? { phase: item.phase } : {}),
        } as unknown as ResponseInputItem);
        break;
      }
      case 'function_call': {
        const { id: _id, status: _status, ...rest } = item;
        items.push(rest);
        break;
      }
      case 'reasoning': {
        if (!item.encrypted_content && !(item.content && item.content.length > 0)) break;
        const { id: _id, status: _status, ...rest } = item;
        items.push(rest as unknown as ResponseInputItem);
        break;
      }
      default: {
        const { id: _id, ...rest } = item as { id?: unknown };
        items.push(rest as ResponseInputItem);
      }
    }
  }
  return items;
}

/**
 * A function call's `arguments` string as the tool's input: a JSON object (the `null`s of optional
 * properties removed again, see `strictParameters`), `{}` for an empty string, or the raw text when it is
 * not a JSON object (the loop answers those with an error result asking for the call in full).
 */
export function parseArguments(raw: string, plan: NullPlan | undefined): JsonObject | string {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (!isRecord(parsed)) return raw;
  return plan ? restoreOptional(parsed, plan) : parsed;
}

/**
 * `finishReason` of a response: `length` when it stopped at `max_output_tokens` (what the loop's `length`
 * stop and hud-python's `stop_on` expect), another `incomplete_details.reason` as it is, else `status`.
 */
export function finishReason(response: Response): string | null {
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    if (reason === 'max_output_tokens') return 'length';
    return reason ?? 'incomplete';
  }
  return response.status ?? null;
}

/** Reads one Responses reply into a provider-neutral {@link ModelTurn}. */
export function parseResponse(
  response: Response,
  plans: ReadonlyMap<string, NullPlan>,
  requestedModel: string,
): ModelTurn {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ModelToolCall[] = [];
  for (const item of response.output ?? []) {
    if (item.type === 'message') {
      const text = item.content
        .map((part) => (part.type === 'output_text' ? part.text : part.refusal))
        .join('');
      if (text !== '') texts.push(text);
    } else if (item.type === 'function_call') {
      toolCalls.push({
        id: item.call_id,
        name: item.name,
        arguments: parseArguments(item.arguments ?? '', plans.get(item.name)),
      });
    } else if (item.type === 'reasoning') {
      const summary = (item.summary ?? []).map((part) => part.text).filter((text) => text !== '');
      const content = (item.content ?? []).map((part) => part.text).filter((text) => text !== '');
      const text = (summary.length > 0 ? summary : content).join('\n\n');
      if (text !== '') reasoning.push(text);
    }
  }
  const usage = response.usage;
  const cached = usage?.input_tokens_details?.cached_tokens;
  return {
    text: texts.join('\n\n'),
    reasoning: reasoning.length > 0 ? reasoning.join('\n\n') : null,
    toolCalls,
    finishReason: finishReason(response),
    usage: {
      prompt_tokens: usage?.input_tokens ?? 0,
      completion_tokens: usage?.output_tokens ?? 0,
      ...(typeof cached === 'number' ? { cached_tokens: cached } : {}),
    },
    model:
      typeof response.model === 'string' && response.model !== '' ? response.model : requestedModel,
  };
}
