import type Anthropic from '@anthropic-ai/sdk';
import { isRecord, type JsonObject, type PromptMessage } from '@hud/protocol';
import type { ModelToolCall, ToolResultEntry } from '../../model/adapter.js';
import type { ToolContent } from '../../tools/tool.js';

type ContentBlock = Anthropic.Beta.BetaContentBlockParam;

/** A user or assistant message of the history, content always as blocks. */
export interface ClaudeMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}
type MessageParam = ClaudeMessage;
type ImageMediaType = Anthropic.Beta.BetaBase64ImageSource['media_type'];

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

function imageBlock(data: string, mimeType: string): ContentBlock {
  return {
    type: 'image',
    source: { type: 'base64', media_type: mimeType as ImageMediaType, data },
  };
}

function promptBlock(content: PromptMessage['content']): ContentBlock {
  const part = content as { type?: unknown; text?: unknown; data?: unknown; mimeType?: unknown };
  if (part.type === 'text') return { type: 'text', text: String(part.text ?? '') };
  if (
    part.type === 'image' &&
    typeof part.data === 'string' &&
    IMAGE_TYPES.has(String(part.mimeType))
  ) {
    return imageBlock(part.data, String(part.mimeType));
  }
  return { type: 'text', text: JSON.stringify(content) };
}

/** Appends `blocks` as a message of `role`, merging into the last message when it has the same role. */
export function appendBlocks(
  history: MessageParam[],
  role: MessageParam['role'],
  blocks: ContentBlock[],
): void {
  const last = history.at(-1);
  if (last && last.role === role) {
    history[history.length - 1] = { role, content: [...last.content, ...blocks] };
  } else {
    history.push({ role, content: blocks });
  }
}

/** The task prompt as Messages API messages (consecutive messages of one role merged). */
export function promptToMessages(messages: readonly PromptMessage[]): MessageParam[] {
  const history: MessageParam[] = [];
  for (const message of messages)
    appendBlocks(history, message.role, [promptBlock(message.content)]);
  if (history.length === 0 || history[0]?.role !== 'user') {
    history.unshift({ role: 'user', content: [{ type: 'text', text: '(no prompt)' }] });
  }
  return history;
}

function resultContent(
  content: readonly ToolContent[],
): Anthropic.Beta.BetaToolResultBlockParam['content'] {
  const blocks: (Anthropic.Beta.BetaTextBlockParam | Anthropic.Beta.BetaImageBlockParam)[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'image' && IMAGE_TYPES.has(part.mimeType)) {
      blocks.push(imageBlock(part.data, part.mimeType) as Anthropic.Beta.BetaImageBlockParam);
    } else {
      blocks.push({ type: 'text', text: JSON.stringify(part) });
    }
  }
  // The API refuses empty text blocks; an empty result still needs a body.
  return blocks.length > 0 ? blocks : [{ type: 'text', text: '(no output)' }];
}

/** Tool results as `tool_result` blocks for one user message (errors flagged `is_error`). */
export function toolResultBlocks(results: readonly ToolResultEntry[]): ContentBlock[] {
  return results.map(({ call, output }) => ({
    type: 'tool_result',
    tool_use_id: call.id,
    content: resultContent(output.content),
    ...(output.isError ? { is_error: true } : {}),
  }));
}

/**
 * A copy of `history` whose last user message's last block carries an ephemeral `cache_control`
 * breakpoint (prompt caching: each request reads the prefix the previous one wrote). The history itself
 * is left unmarked, so requests never exceed the API's four breakpoints.
 */
export function withCacheBreakpoint(history: readonly MessageParam[]): MessageParam[] {
  const copy = [...history];
  for (let index = copy.length - 1; index >= 0; index--) {
    const message = copy[index] as MessageParam;
    if (message.role !== 'user') continue;
    const blocks = [...message.content];
    const last = blocks.at(-1);
    if (last && last.type !== 'thinking' && last.type !== 'redacted_thinking') {
      blocks[blocks.length - 1] = {
        ...last,
        cache_control: { type: 'ephemeral' },
      } as ContentBlock;
      copy[index] = { role: 'user', content: blocks };
    }
    break;
  }
  return copy;
}

/** A `tool_use` input as the loop's arguments: an object, or the raw text when it is not one. */
export function toolArguments(input: unknown): JsonObject | string {
  if (isRecord(input)) return input;
  if (typeof input === 'string') {
    try {
      const parsed: unknown = JSON.parse(input);
      if (isRecord(parsed)) return parsed;
    } catch {
      // kept raw below: the loop answers with a corrective error
    }
    return input;
  }
  return JSON.stringify(input ?? null);
}

/** What the loop needs from a Messages API response. */
export interface ParsedMessage {
  text: string;
  reasoning: string | null;
  toolCalls: ModelToolCall[];
  /** The assistant message to keep in the history (unparseable `tool_use` inputs replaced by `{}`). */
  assistant: MessageParam | undefined;
}

/** Reads a Messages API response's content blocks. */
export function parseContent(content: readonly Anthropic.Beta.BetaContentBlock[]): ParsedMessage {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: ModelToolCall[] = [];
  const kept: ContentBlock[] = [];
  for (const block of content) {
    if (block.type === 'text') texts.push(block.text);
    if (block.type === 'thinking') thoughts.push(block.thinking);
    if (block.type === 'tool_use') {
      const args = toolArguments(block.input);
      toolCalls.push({ id: block.id, name: block.name, arguments: args });
      // The API only takes object inputs back; the call is answered with a corrective error anyway.
      kept.push({ ...block, input: typeof args === 'string' ? {} : args } as ContentBlock);
      continue;
    }
    kept.push(block as ContentBlock);
  }
  return {
    text: texts.join('\n'),
    reasoning: thoughts.length > 0 ? thoughts.join('\n') : null,
    toolCalls,
    assistant: kept.length > 0 ? { role: 'assistant', content: kept } : undefined,
  };
}
