import type { JsonObject } from './schemas.js';

/**
 * Trace steps in hud-python's trajectory model (schema tag `hud.step.v1`, spec §8.1), so a hud-ts trace can
 * be uploaded to the HUD platform unchanged. Keys are the wire's own (snake_case).
 */
export const STEP_SCHEMA = 'hud.step.v1';

/** Who produced a step. */
export type StepSource = 'user' | 'agent' | 'tool' | 'task' | 'subagent' | 'system';

/** Why an agent loop stopped (hud-python `Trace.stop_reason`). */
export type StopReason =
  | 'done'
  | 'max_steps'
  | 'length'
  | 'timeout'
  | 'malformed_tool_call'
  | 'cancelled';

/** How a run ended (hud-python `Trace.status`). */
export type RunStatus = 'completed' | 'error' | 'cancelled';

/** A text part of a prompt message (MCP `TextContent`). */
export interface TextContent {
  type: 'text';
  text: string;
}

/** An image part (MCP `ImageContent`): base64 `data` with its MIME type. */
export interface ImageContent {
  type: 'image';
  data: string;
  mimeType: string;
}

/** A prompt message (MCP `PromptMessage`): hud-python keeps `assistant` and maps every other role to `user`. */
export interface PromptMessage {
  role: 'user' | 'assistant';
  content: TextContent | ImageContent | JsonObject;
}

/** A tool call an agent made (MCP `CallToolRequestParams` + `id`); `arguments` is raw text when unparseable. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: JsonObject | string;
  provider_name?: string;
}

/** A tool's result (MCP `CallToolResult` + `call_id`). */
export interface ToolResult {
  content: (TextContent | ImageContent | JsonObject)[];
  structuredContent?: JsonObject;
  isError: boolean;
  call_id?: string;
}

/** Token usage of one model call; `cost_usd` in US dollars. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
  cost_usd?: number | null;
  llm_call_count?: number;
}

/**
 * The token-level record of one model call (hud-python `AgentStep.sample`, spec §8.1), captured when the
 * server returns token ids (vLLM's `return_token_ids`): the prompt's token ids (or its chunks), the
 * sampled output's token ids and their log-probabilities (natural log, one per output token).
 */
export interface AgentSample {
  prompt_token_ids?: number[] | null;
  prompt_chunks?: unknown[] | null;
  output_token_ids?: number[] | null;
  output_logprobs?: number[] | null;
}

/** A `tasks.start` (`setup`) or `tasks.grade` (`evaluate`) call recorded in a trace. */
export interface TaskCall {
  phase: 'setup' | 'evaluate';
  name: string;
  arguments: JsonObject;
  result: JsonObject | null;
}

/**
 * One step of a trace. `step_id` is 1-based and assigned when recorded; timestamps are ISO-8601 UTC with a
 * `Z` suffix. Agent steps add `content`, `tool_calls`, `usage`…; tool steps add `call` and `result`.
 */
export interface TraceStep {
  step_id: number;
  source: StepSource;
  messages?: PromptMessage[];
  task_call?: TaskCall;
  error?: string | null;
  started_at?: string;
  ended_at?: string;
  extra?: JsonObject;
  content?: string | null;
  reasoning?: string | null;
  tool_calls?: ToolCall[];
  done?: boolean;
  finish_reason?: string | null;
  model?: string | null;
  usage?: Usage | null;
  /** Agent steps: token ids and logprobs of the model call, when captured ({@link AgentSample}). */
  sample?: AgentSample | null;
  call?: ToolCall;
  result?: ToolResult;
}

/** A step before it is recorded (the trace assigns `step_id` and fills `ended_at`). */
export type StepInput = Omit<TraceStep, 'step_id'> & { step_id?: number };

/** ISO-8601 UTC with microseconds and a `Z` suffix, as hud-python writes timestamps. */
export function isoTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Normalises a prompt (a `tasks.start` frame's `prompt`) into messages (hud-python `Run.prompt_messages`):
 * null/string → one user text message; a list → each item kept with role `assistant` or `user` (any other
 * role, `system` included, becomes `user`), string content → a text part. Images are kept (hud-python drops
 * them when building provider messages; we do not).
 */
export function promptMessages(prompt: unknown): PromptMessage[] {
  if (prompt === null || prompt === undefined)
    return [{ role: 'user', content: { type: 'text', text: '' } }];
  if (typeof prompt === 'string')
    return [{ role: 'user', content: { type: 'text', text: prompt } }];
  if (!Array.isArray(prompt))
    return [{ role: 'user', content: { type: 'text', text: JSON.stringify(prompt) } }];
  return prompt.map((item): PromptMessage => {
    if (typeof item !== 'object' || item === null) {
      return { role: 'user', content: { type: 'text', text: String(item) } };
    }
    const message = item as { role?: unknown; content?: unknown };
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const content = message.content;
    if (typeof content === 'string') return { role, content: { type: 'text', text: content } };
    if (Array.isArray(content)) {
      const text = content
        .map((part) =>
          typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : '',
        )
        .join('\n\n');
      return { role, content: { type: 'text', text } };
    }
    return { role, content: (content ?? { type: 'text', text: '' }) as JsonObject };
  });
}

/** The text of a prompt: text parts joined by a blank line (hud-python `Run.prompt_text`). */
export function promptText(messages: readonly PromptMessage[]): string {
  return messages
    .map((message) =>
      (message.content as { type?: unknown; text?: unknown }).type === 'text'
        ? String((message.content as TextContent).text)
        : '',
    )
    .filter((text) => text !== '')
    .join('\n\n');
}
