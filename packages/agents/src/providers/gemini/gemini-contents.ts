import type { Content, FunctionResponse, GenerateContentResponse, Part } from '@google/genai';
import type { JsonObject, PromptMessage, Usage } from '@hud/protocol';
import type { ModelToolCall, ModelTurn } from '../../model/adapter.js';
import type { ToolOutput } from '../../tools/tool.js';

/** hud-python's `GEMINI_MAX_RECENT_TURN_WITH_SCREENSHOTS`: tool-result turns whose images are kept. */
export const DEFAULT_SCREENSHOT_TURNS = 3;

/** The finish reason Gemini gives when it could not produce a function call's arguments. */
export const MALFORMED_FUNCTION_CALL = 'MALFORMED_FUNCTION_CALL';

function promptPart(content: PromptMessage['content']): Part {
  const part = content as { type?: unknown; text?: unknown; data?: unknown; mimeType?: unknown };
  if (part.type === 'text' && typeof part.text === 'string') return { text: part.text };
  if (part.type === 'image' && typeof part.data === 'string' && typeof part.mimeType === 'string') {
    return { inlineData: { mimeType: part.mimeType, data: part.data } };
  }
  return { text: JSON.stringify(content) };
}

/** Appends `parts` as a turn of `role`, merging into the last turn when it has the same role. */
export function appendParts(contents: Content[], role: 'user' | 'model', parts: Part[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last && last.role === role) {
    contents[contents.length - 1] = { role, parts: [...(last.parts ?? []), ...parts] };
  } else {
    contents.push({ role, parts });
  }
}

/**
 * The task prompt as generateContent `contents`: user text and images (`inlineData`) as `user` turns,
 * assistant messages as `model` turns (Gemini's name for the assistant), consecutive messages of one role
 * merged. A prompt that does not start with the user gets a `(no prompt)` user turn first.
 */
export function promptContents(messages: readonly PromptMessage[]): Content[] {
  const contents: Content[] = [];
  for (const message of messages) {
    appendParts(contents, message.role === 'assistant' ? 'model' : 'user', [
      promptPart(message.content),
    ]);
  }
  if (contents[0]?.role !== 'user')
    contents.unshift({ role: 'user', parts: [{ text: '(no prompt)' }] });
  return contents;
}

/**
 * A tool result as a `functionResponse` part (hud-python `GeminiAgent._format_result`, spec §7.5): the text
 * parts joined as `response.output`, or as `response.error` when the call failed (Gemini's documented keys);
 * structured content stands in when there is no text; images ride along as `inlineData` parts of the
 * function response. `id` goes back only when the model's call had one.
 */
export function functionResponsePart(
  name: string,
  id: string | undefined,
  output: ToolOutput,
): Part {
  const texts = output.content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  let result: unknown = texts.join('\n');
  if (texts.length === 0 && output.structuredContent !== undefined)
    result = output.structuredContent;
  const response: JsonObject =
    output.isError === true
      ? { error: result === '' ? 'the tool failed' : result }
      : { output: result };
  const images = output.content.flatMap((part) =>
    part.type === 'image' ? [{ inlineData: { mimeType: part.mimeType, data: part.data } }] : [],
  );
  const functionResponse: FunctionResponse = {
    ...(id !== undefined ? { id } : {}),
    name,
    response,
    ...(images.length > 0 ? { parts: images } : {}),
  };
  return { functionResponse };
}

function hasImages(content: Content): boolean {
  return (content.parts ?? []).some((part) => (part.functionResponse?.parts?.length ?? 0) > 0);
}

/**
 * `contents` with the images of all but the last `keep` tool-result turns that carry images (screenshots)
 * taken out, so long computer-use runs do not resend every screenshot (hud-python keeps 3,
 * `GEMINI_MAX_RECENT_TURN_WITH_SCREENSHOTS`). The text of those results stays. Returns new turn objects
 * where something was taken out; `contents` itself is not changed.
 */
export function pruneScreenshots(contents: readonly Content[], keep: number): Content[] {
  let seen = 0;
  const pruned = [...contents];
  for (let index = pruned.length - 1; index >= 0; index--) {
    const content = pruned[index] as Content;
    if (content.role !== 'user' || !hasImages(content)) continue;
    seen += 1;
    if (seen <= keep) continue;
    pruned[index] = {
      ...content,
      parts: (content.parts ?? []).map((part) => {
        if (!part.functionResponse?.parts) return part;
        const { parts: _images, ...rest } = part.functionResponse;
        return { ...part, functionResponse: rest };
      }),
    };
  }
  return pruned;
}

/** Token counts of one call: thoughts count as output (Gemini bills them so), tool-use prompts as input. */
export function usageOf(metadata: GenerateContentResponse['usageMetadata']): Usage {
  const cached = metadata?.cachedContentTokenCount;
  return {
    prompt_tokens: (metadata?.promptTokenCount ?? 0) + (metadata?.toolUsePromptTokenCount ?? 0),
    completion_tokens: (metadata?.candidatesTokenCount ?? 0) + (metadata?.thoughtsTokenCount ?? 0),
    ...(typeof cached === 'number' ? { cached_tokens: cached } : {}),
  };
}

/** What a function call of the model was, for answering it. */
export interface CallRecord {
  /** The function name Gemini used. */
  functionName: string;
  /** The model's own call id, when it sent one. */
  providerId: string | undefined;
  /** The call could not be parsed (`MALFORMED_FUNCTION_CALL`): answer with a user note, not a function response. */
  malformed: boolean;
}

/** A parsed response: the provider-neutral turn, the model's content for the history, its calls. */
export interface ParsedResponse {
  turn: ModelTurn;
  /** The candidate's content, unchanged (thought signatures included), or undefined when it has no parts. */
  content: Content | undefined;
  calls: Map<string, CallRecord>;
}

/** The model's answer carried no candidate (the prompt was blocked): not retried. */
export class GeminiResponseError extends Error {
  readonly code = 'no_candidates';
  constructor(message: string) {
    super(message);
    this.name = 'GeminiResponseError';
  }
}

/** The function a `MALFORMED_FUNCTION_CALL` message names (`…default_api.kv_set(…)` → `kv_set`). */
function malformedName(message: string | undefined): string {
  return (
    /default_api\.([A-Za-z_][\w.:-]*)\s*\(/.exec(message ?? '')?.[1] ??
    /call:\s*([A-Za-z_][\w.:-]*)\s*\(/.exec(message ?? '')?.[1] ??
    'function_call'
  );
}

/**
 * Reads one generateContent response into a {@link ModelTurn} (hud-python `GeminiAgent.get_response`):
 * text parts joined (thought parts are the reasoning), one tool call per `functionCall` part with its
 * object `args` and the model's `id` or a generated one (`nextId`), `finishReason` as Gemini names it
 * (`STOP`, `MAX_TOKENS`, `SAFETY`…; Gemini says `STOP` for tool calls too), usage from `usageMetadata` and
 * the model from `modelVersion`. A `MALFORMED_FUNCTION_CALL` becomes one call whose arguments are Gemini's
 * message (raw text), so the loop answers it as a malformed call and the model can try again.
 * @throws GeminiResponseError when there is no candidate (a blocked prompt).
 */
export function parseResponse(
  response: GenerateContentResponse,
  options: {
    requestedModel: string;
    toolNames: ReadonlyMap<string, string>;
    nextId: () => string;
  },
): ParsedResponse {
  const candidate = response.candidates?.[0];
  if (!candidate) {
    const feedback = response.promptFeedback;
    const reason = feedback?.blockReason
      ? `the prompt was blocked (${feedback.blockReason}${feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : ''})`
      : 'no reason given';
    throw new GeminiResponseError(`Gemini returned no candidates: ${reason}`);
  }
  const parts = candidate.content?.parts ?? [];
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: ModelToolCall[] = [];
  const calls = new Map<string, CallRecord>();
  for (const part of parts) {
    const call = part.functionCall;
    if (call) {
      const functionName = call.name ?? '';
      const id = call.id ?? options.nextId();
      toolCalls.push({
        id,
        name: options.toolNames.get(functionName) ?? functionName,
        arguments: (call.args ?? {}) as JsonObject,
      });
      calls.set(id, { functionName, providerId: call.id, malformed: false });
    } else if (typeof part.text === 'string' && part.text !== '') {
      (part.thought === true ? thoughts : texts).push(part.text);
    }
  }
  const finishReason = candidate.finishReason ?? null;
  if (finishReason === MALFORMED_FUNCTION_CALL && toolCalls.length === 0) {
    const functionName = malformedName(candidate.finishMessage);
    const id = options.nextId();
    toolCalls.push({
      id,
      name: options.toolNames.get(functionName) ?? functionName,
      arguments: candidate.finishMessage ?? MALFORMED_FUNCTION_CALL,
    });
    calls.set(id, { functionName, providerId: undefined, malformed: true });
  }
  return {
    turn: {
      text: texts.join(''),
      reasoning: thoughts.length > 0 ? thoughts.join('\n') : null,
      toolCalls,
      finishReason,
      usage: usageOf(response.usageMetadata),
      model: response.modelVersion || options.requestedModel,
    },
    content: parts.length > 0 ? { role: 'model', parts } : undefined,
    calls,
  };
}
