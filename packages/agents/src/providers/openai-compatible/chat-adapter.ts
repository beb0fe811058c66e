import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { AgentError } from '../../errors.js';
import type * as Adapter from '../../model/adapter.js';
import { ConfigReader } from '../../model/config-reader.js';
import { type HarnessOptions, ModelHarness } from '../../model/harness.js';
import { classifyHttpError } from '../../model/retry.js';
import { mcpToolProvider } from '../../tools/mcp-tools.js';
import { lazy } from '../lazy.js';
import { classifyOpenAIError, type OpenAIClientFactory, openAIClient } from '../openai-sdk.js';
import {
  appendUser,
  ChatResponseError,
  chatTools,
  parseCompletion,
  promptMessages,
  toolMessages,
} from './chat-messages.js';
import { chatSample, wantsTokenIds } from './chat-sample.js';
import { openAICompatibleSpec } from './openai-compatible-spec.js';
import { openCodeToolProvider } from './opencode-tools.js';

/** The model the `openai_compatible` agent uses without `--model` (hud-python 0.6.16 `OpenAIChatConfig`). */
export const DEFAULT_OPENAI_COMPATIBLE_MODEL: string = openAICompatibleSpec.defaultModel;

/**
 * Options of {@link OpenAICompatibleAdapter}: identity overrides (default: `openAICompatibleSpec`), tools
 * (default: the OpenCode-style ssh tools, then every MCP tool) and the client.
 */
export interface OpenAICompatibleAdapterOptions extends HarnessOptions {
  /** Builds the SDK client (default `new OpenAI({apiKey, baseURL, defaultHeaders, maxRetries: 0})`). */
  createClient?: OpenAIClientFactory;
}

/**
 * The settings the adapter reads from `-c key=value` / a task's `agent_config` (other keys belong to the
 * loop and are not sent). Values arrive parsed; each is sent only when set.
 */
export interface OpenAICompatibleConfig {
  temperature?: number;
  top_p?: number;
  /** `max_tokens`, the limit every compatible server knows (`max_output_tokens` is read as it too). */
  max_tokens?: number;
  /** `max_completion_tokens`, which newer OpenAI models require instead. */
  max_completion_tokens?: number;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  /** vLLM / Ollama sampling extras (OpenAI refuses them). */
  top_k?: number;
  min_p?: number;
  repetition_penalty?: number;
  stop?: string | string[];
  /** `minimal` … `high`, for reasoning models. */
  reasoning_effort?: string;
  /** `auto` (default when tools are offered), `required`, `none`. */
  tool_choice?: string;
  /** Not sent unless set (not every server knows it); the loop runs calls in order either way. */
  parallel_tool_calls?: boolean;
  /**
   * More request fields, merged under the settings above (an object, or its JSON text from `-c`), as
   * hud-python's `completion_kwargs`; its `extra_body` is merged into the body too.
   */
  completion_kwargs?: Record<string, unknown> | string;
  /** Fields merged into the request body last (vLLM's `chat_template_kwargs`, OpenRouter's `provider`…). */
  extra_body?: Record<string, unknown> | string;
  /**
   * Token capture for training (vLLM): sends `return_token_ids: true` and `logprobs: true`, and records the
   * prompt/output token ids and logprobs the server returns as each agent step's `sample` (same as
   * `extra_body={"return_token_ids": true}`).
   */
  return_token_ids?: boolean;
  /** A HUD gateway checkpoint (sent as `checkpoint`, as hud-python does). */
  checkpoint?: string;
  /**
   * Send the reasoning fields a server put on assistant messages (`reasoning_content`, `reasoning`,
   * `reasoning_details`) back with the history (default true: DeepSeek and OpenRouter need them across
   * tool calls).
   */
  replay_reasoning?: boolean;
}

const NUMBER_SETTINGS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'top_k',
  'min_p',
  'repetition_penalty',
] as const;
const TOOL_CHOICES = new Set(['auto', 'required', 'none']);
/** Request fields `completion_kwargs` / `extra_body` may not set: the conversation owns them. */
const RESERVED = new Set(['model', 'messages', 'tools', 'stream']);

function objectSetting(read: ConfigReader, key: string): Record<string, unknown> | undefined {
  let value = read.config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw read.invalid(key, value, 'a JSON object');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw read.invalid(key, value, 'a JSON object');
  }
  const reserved = Object.keys(value).filter((name) => RESERVED.has(name));
  if (reserved.length > 0) {
    throw new AgentError(
      'invalid_config',
      `${read.harness}: ${key} may not set ${reserved.join(', ')} (use --model; tools come from the environment's capabilities)`,
    );
  }
  return value as Record<string, unknown>;
}

/** The request fields of one conversation besides `model`, `messages` and `tools`, read once. */
interface RequestSettings {
  params: Record<string, unknown>;
  replayReasoning: boolean;
}

function requestSettings(init: Adapter.ConversationInit): RequestSettings {
  const { config } = init;
  const read = new ConfigReader(openAICompatibleSpec.name, config);
  const kwargs = objectSetting(read, 'completion_kwargs') ?? {};
  const { extra_body: kwargsExtra, ...params } = kwargs;
  for (const key of [...NUMBER_SETTINGS, 'max_output_tokens'] as const) {
    const value = read.number(key);
    if (value === undefined) continue;
    // `max_output_tokens` (the openai agent's name) is read as `max_tokens`, so -c carries over.
    if (key === 'max_output_tokens') params.max_tokens ??= value;
    else params[key] = value;
  }
  const stop = config.stop;
  if (stop !== undefined && stop !== null) {
    const valid =
      typeof stop === 'string' ||
      (Array.isArray(stop) && stop.every((item) => typeof item === 'string'));
    if (!valid) throw read.invalid('stop', stop, 'a string or a list of strings');
    params.stop = stop;
  }
  const effort = config.reasoning_effort;
  if (effort !== undefined && effort !== null) {
    if (typeof effort !== 'string' || effort === '') {
      throw read.invalid('reasoning_effort', effort, 'an effort such as low, medium or high');
    }
    params.reasoning_effort = effort;
  }
  if (typeof config.checkpoint === 'string' && config.checkpoint !== '') {
    params.checkpoint = config.checkpoint;
  }
  if (init.tools.length > 0) {
    const choice = config.tool_choice ?? params.tool_choice ?? 'auto';
    if (typeof choice === 'string' && !TOOL_CHOICES.has(choice)) {
      throw read.invalid('tool_choice', choice, [...TOOL_CHOICES].join(', '));
    }
    params.tool_choice = choice;
    const parallel = read.boolean('parallel_tool_calls');
    if (parallel !== undefined) params.parallel_tool_calls = parallel;
  } else {
    delete params.tool_choice;
    delete params.parallel_tool_calls;
  }
  const kwargsBody =
    kwargsExtra === undefined
      ? {}
      : objectSetting(new ConfigReader(read.harness, { extra_body: kwargsExtra }), 'extra_body');
  Object.assign(params, kwargsBody, objectSetting(read, 'extra_body'));
  if (read.boolean('return_token_ids') === true) params.return_token_ids = true;
  // Token capture (spec §7.5): token ids come with their logprobs.
  if (wantsTokenIds(params) && params.logprobs === undefined) params.logprobs = true;
  return { params, replayReasoning: read.boolean('replay_reasoning') !== false };
}

/**
 * One run's conversation over Chat Completions: the whole history (system prompt, prompt, every assistant
 * reply with its tool calls, tool messages) stays on the client and is sent with every call.
 */
export class OpenAICompatibleConversation implements Adapter.ModelConversation {
  readonly #client: () => Promise<OpenAI>;
  readonly #init: Adapter.ConversationInit;
  readonly #tools: ChatCompletionFunctionTool[];
  readonly #settings: RequestSettings;
  readonly #messages: ChatCompletionMessageParam[];
  #turns = 0;

  /** `client` is called once, at the first {@link next}. */
  constructor(client: () => Promise<OpenAI>, init: Adapter.ConversationInit) {
    this.#client = lazy(client);
    this.#init = init;
    this.#tools = chatTools(init.tools);
    this.#settings = requestSettings(init);
    this.#messages = promptMessages(init.system, init.messages);
  }

  /** The request body the next {@link next} sends (a copy of the history so far). */
  request(): ChatCompletionCreateParamsNonStreaming {
    const body: ChatCompletionCreateParamsNonStreaming = {
      ...this.#settings.params,
      model: this.#init.model,
      messages: [...this.#messages],
    };
    if (this.#tools.length > 0) body.tools = this.#tools;
    return body;
  }

  async next({ signal }: { signal: AbortSignal }): Promise<Adapter.ModelTurn> {
    const client = await this.#client();
    const completion: ChatCompletion = await client.chat.completions.create(this.request(), {
      signal,
    });
    const { turn, assistant } = parseCompletion(completion, {
      requestedModel: this.#init.model,
      turnIndex: this.#turns++,
      replayReasoning: this.#settings.replayReasoning,
    });
    this.#messages.push(assistant);
    const sample = chatSample(completion);
    return sample ? { ...turn, sample } : turn;
  }

  addToolResults(results: readonly Adapter.ToolResultEntry[]): void {
    this.#messages.push(...toolMessages(results));
  }

  addUserText(text: string): void {
    appendUser(this.#messages, [{ type: 'text', text }]);
  }
}

function isOpenAIHost(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/**
 * The `openai_compatible` agent's harness: Chat Completions (`POST {base_url}/chat/completions`,
 * non-streaming) through the official `openai` SDK with its retries off, for any server that speaks it —
 * vLLM, Ollama, OpenRouter, llama.cpp, LiteLLM, the HUD gateway. Tools are OpenCode-style function tools
 * over the workspace (`bash`, `read`, `glob`, `grep`, `edit`, `write`) and every MCP tool, with schemas cut
 * to the subset such servers accept; see {@link OpenAICompatibleConfig} for the settings it sends.
 * hud-python 0.6.16 `OpenAIChatAgent` (spec §7.5).
 * @example
 * const adapter = new OpenAICompatibleAdapter();
 * const conversation = adapter.start(
 *   { model: 'Qwen/Qwen3-8B', system: undefined, messages, tools, config: { temperature: 0.2 } },
 *   { apiKey: 'EMPTY', baseURL: 'http://127.0.0.1:8000/v1', headers: {} },
 * );
 * const turn = await conversation.next({ signal });
 */
export class OpenAICompatibleAdapter extends ModelHarness {
  readonly #createClient: OpenAIClientFactory;

  constructor(options: OpenAICompatibleAdapterOptions = {}) {
    super(openAICompatibleSpec, [openCodeToolProvider(), mcpToolProvider], options);
    this.#createClient =
      options.createClient ?? ((endpoint) => openAIClient(endpoint, 0, `the ${this.name} agent`));
  }

  /**
   * @throws AgentError `invalid_config` for a setting of the wrong kind, or when the run would send the
   *   default model (`gpt-5.4-mini`, served by the HUD gateway and OpenAI) to another server: such servers
   *   serve their own models, so name one with `--model`.
   */
  override start(
    init: Adapter.ConversationInit,
    endpoint: Adapter.ProviderEndpoint,
  ): OpenAICompatibleConversation {
    if (
      init.model === this.defaultModel &&
      endpoint.route !== 'gateway' &&
      endpoint.baseURL !== undefined &&
      !isOpenAIHost(endpoint.baseURL)
    ) {
      throw new AgentError(
        'invalid_config',
        `${this.name}: no model given for ${endpoint.baseURL}; pass --model with a model that server serves (e.g. --model Qwen/Qwen3-8B for vLLM, --model llama3.2 for Ollama, --model openai/gpt-4o-mini for OpenRouter)`,
      );
    }
    return new OpenAICompatibleConversation(async () => this.#createClient(endpoint), init);
  }

  /**
   * Retryable: 408, 409, 429, 529 and 5xx responses (or whatever `x-should-retry` says), connection
   * failures and timeouts, and 200 replies whose error body names such a status; not: other 4xx, aborts.
   * `retryAfterMs` from `retry-after-ms` / `retry-after`.
   */
  override classifyError(error: unknown): Adapter.ErrorClass {
    if (error instanceof ChatResponseError) {
      return error.status === undefined
        ? { status: undefined, retryable: false, retryAfterMs: undefined }
        : classifyHttpError({ status: error.status });
    }
    return classifyOpenAIError(error);
  }
}
