import type { AgentSample, JsonObject, PromptMessage, Usage } from '@hud/protocol';
import type { AgentTool, ToolOutput, ToolProvider } from '../tools/tool.js';

/**
 * The seam between the provider-neutral tool loop (`ToolLoopAgent`) and one provider API (Anthropic
 * Messages, OpenAI Responses, Gemini generateContent, Chat Completions). An adapter owns the provider's
 * native message history and formats; the loop owns tools, steps, limits, retries and the trace.
 */

/** A tool call the model asked for. `arguments` is the raw text when it did not parse as a JSON object. */
export interface ModelToolCall {
  /** The provider's call id (Anthropic `tool_use.id`, OpenAI `call_id`, a generated one for Gemini). */
  id: string;
  /** The tool name as the model sent it (the loop maps it back to an {@link AgentTool}). */
  name: string;
  arguments: JsonObject | string;
}

/** One model response, provider-neutral. */
export interface ModelTurn {
  /** The assistant's text parts, joined; the run's answer is the text of the last turn. */
  text: string;
  reasoning?: string | null;
  toolCalls: ModelToolCall[];
  /** The provider's own stop/finish reason (`end_turn`, `tool_use`, `max_tokens`, `stop`, `STOP`…). */
  finishReason: string | null;
  /** Token counts of this call (prompt, completion, cached). */
  usage: Usage;
  /** The model that answered, as the provider reports it. */
  model: string;
  /** Token ids and logprobs of this call, when the server returned them (recorded as `AgentStep.sample`). */
  sample?: AgentSample;
}

/** A tool's result, paired with the call it answers. */
export interface ToolResultEntry {
  call: ModelToolCall;
  output: ToolOutput;
}

/** One run's conversation with a model: holds the provider-native history. */
export interface ModelConversation {
  /**
   * Calls the model once with the history so far and appends its reply to the history.
   * @throws the SDK's error unchanged (the loop asks {@link ModelAdapter.classifyError} whether to retry).
   */
  next(options: { signal: AbortSignal }): Promise<ModelTurn>;
  /** Appends the results of the last turn's calls, in call order, in the provider's native format. */
  addToolResults(results: readonly ToolResultEntry[]): void;
  /** Appends a user message (a corrective note, or `CONTINUE` when auto-responding). */
  addUserText(text: string): void;
}

/** What a conversation starts from. */
export interface ConversationInit {
  model: string;
  /** The system prompt, if any (hud-python `AgentConfig.system_prompt`). */
  system: string | undefined;
  /** The task's prompt as messages (system roles already mapped to user, as hud-python does). */
  messages: readonly PromptMessage[];
  /** The tools offered, already named for providers (`providerToolName`). */
  tools: readonly AgentTool[];
  /** Agent settings from `-c key=value` and the task's `agent_config` (e.g. `max_tokens`, `temperature`). */
  config: Readonly<Record<string, unknown>>;
}

/** How to reach the provider: the key and base URL chosen by the key routing (direct, gateway, explicit). */
export interface ProviderEndpoint {
  apiKey: string;
  /** Undefined: the SDK's default (the provider's public API). */
  baseURL: string | undefined;
  /** Extra headers on every request (e.g. `Trace-Id` when going through the HUD gateway). */
  headers: Readonly<Record<string, string>>;
  /**
   * How the endpoint was chosen: `direct` (a provider key, base URL from `<PROVIDER>_BASE_URL` when set),
   * `gateway` (`HUD_API_KEY`, `baseURL` = the gateway root), `explicit` (`-c base_url=… -c api_key=…`).
   */
  route?: 'direct' | 'gateway' | 'explicit';
}

/** What the loop needs to know about a failed model call. */
export interface ErrorClass {
  /** HTTP status when there was a response. */
  status: number | undefined;
  /** Retry this call: 429, 529, 5xx, connection resets and timeouts. */
  retryable: boolean;
  /** The server's `retry-after`, in ms, when it sent one. */
  retryAfterMs: number | undefined;
}

/**
 * Who a harness is, known before its SDK loads: the same fields on its spec (`ModelAgentSpec`) and on its
 * loaded {@link ModelAdapter}, so the tool loop needs no harness by name.
 */
export interface HarnessIdentity {
  /** The agent name it serves: `claude`, `openai`, `gemini`, `openai_compatible`. */
  readonly name: string;
  /** The model used without `--model`. */
  readonly defaultModel: string;
  /**
   * Which settings hold its key, in preference order (e.g. `['ANTHROPIC_API_KEY']`); `HUD_API_KEY` is the
   * gateway. Each key's base URL is the setting `baseUrlSetting(key)` names (`ANTHROPIC_BASE_URL`).
   */
  readonly keyNames: readonly string[];
  /**
   * Servers it talks to may need no key (a local vLLM or Ollama behind a base URL): with a base URL but no
   * key, a placeholder key is sent instead of refusing to run. Default false.
   */
  readonly keyless?: boolean;
}

/** A provider harness: how to talk to one provider API through its official SDK. */
export interface ModelAdapter extends HarnessIdentity {
  /** The tool providers (capability kinds) it offers, in catalog order. */
  readonly toolProviders: readonly ToolProvider[];
  /** Starts a conversation; SDK clients are built from `endpoint` with their own retries off (maxRetries 0). */
  start(init: ConversationInit, endpoint: ProviderEndpoint): ModelConversation;
  /** Classifies an error thrown by {@link ModelConversation.next}. */
  classifyError(error: unknown): ErrorClass;
}
