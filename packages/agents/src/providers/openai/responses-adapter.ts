import { isRecord } from '@hud/protocol';
import type OpenAI from 'openai';
import type {
  ImageDetail,
  ResponseCreateParamsNonStreaming,
  ResponseIncludable,
  ResponseInputItem,
} from 'openai/resources/responses/responses';
import type { Reasoning, ReasoningEffort } from 'openai/resources/shared';
import type * as Adapter from '../../model/adapter.js';
import { ConfigReader } from '../../model/config-reader.js';
import { type HarnessOptions, ModelHarness } from '../../model/harness.js';
import { retryAfterFromHeaders } from '../../model/retry.js';
import { browserToolProvider } from '../../tools/browser-tools.js';
import { computerToolProvider } from '../../tools/computer-tool.js';
import { mcpToolProvider } from '../../tools/mcp-tools.js';
import { sshToolProvider } from '../../tools/ssh-tools.js';
import { lazy } from '../lazy.js';
import { classifyOpenAIError, type OpenAIClientFactory, openAIClient } from '../openai-sdk.js';
import { openaiSpec } from './openai-spec.js';
import {
  functionCallOutput,
  parseResponse,
  promptInput,
  type ResponsesToolset,
  replayItems,
  responsesTools,
  userText,
} from './responses-items.js';

/** The model the `openai` agent uses without `--model` (hud-python 0.6.16 `OpenAIConfig.model`). */
export const DEFAULT_OPENAI_MODEL: string = openaiSpec.defaultModel;

/**
 * Options of {@link OpenAIResponsesAdapter}: identity overrides (default: `openaiSpec`), tools (default:
 * ssh bash + editor, rfb computer, cdp browser, every MCP tool) and the client.
 */
export interface OpenAIResponsesAdapterOptions extends HarnessOptions {
  /** Builds the SDK client for a conversation (default `new OpenAI({apiKey, baseURL, defaultHeaders, maxRetries: 0})`). */
  createClient?: OpenAIClientFactory;
}

/**
 * The settings the adapter reads from `-c key=value` / a task's `agent_config` (other keys are ignored:
 * they belong to the loop). Values arrive parsed (numbers, booleans, strings).
 */
export interface OpenAIResponsesConfig {
  /** `max_output_tokens` (alias `max_tokens`). */
  max_output_tokens?: number;
  temperature?: number;
  top_p?: number;
  /** Reasoning effort (`none`…`xhigh`), or a full `reasoning` object (alias `reasoning_effort`). */
  reasoning?: string | Reasoning;
  /** `reasoning.summary`: `auto`, `concise` or `detailed` (needs a verified organization at OpenAI). */
  reasoning_summary?: string;
  /** Default `false`: one call per turn, which the loop runs in order (hud-python runs calls sequentially). */
  parallel_tool_calls?: boolean;
  /** `auto` (default), `required` or `none`. */
  tool_choice?: string;
  /** `auto` or `disabled`. */
  truncation?: string;
  /** `text.verbosity`: `low`, `medium` or `high`. */
  verbosity?: string;
  /**
   * Default `false`: nothing is stored server-side and the whole history is sent each call. `true` stores
   * responses at the provider and replays output items with their ids.
   */
  store?: boolean;
  /**
   * Ask for `reasoning.encrypted_content` so reasoning carries over between calls without `store`. Default:
   * on for reasoning models (`o*`, `gpt-5*` but not `*-chat*`, `gpt-oss*`, `codex*`) or when `reasoning` is set.
   */
  encrypted_reasoning?: boolean;
  /** `detail` of images in tool results (`low`, `high`, `auto`, `original`); default omitted (the server's `auto`). */
  image_detail?: string;
}

const EFFORTS = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);
const SUMMARIES = new Set(['auto', 'concise', 'detailed']);
const TOOL_CHOICES = new Set(['auto', 'required', 'none']);
const TRUNCATIONS = new Set(['auto', 'disabled']);
const VERBOSITIES = new Set(['low', 'medium', 'high']);
const DETAILS = new Set(['low', 'high', 'auto', 'original']);

/**
 * Whether `model` is a reasoning model (gets `include: ['reasoning.encrypted_content']`): OpenAI refuses
 * that include for other models ("Encrypted content is not supported with this model").
 */
export function isReasoningModel(model: string): boolean {
  const name = model.toLowerCase().split('/').pop() ?? '';
  if (name.includes('-chat')) return false;
  return /^(o\d|gpt-5|gpt-oss|codex)/.test(name);
}

function reasoningSetting(read: ConfigReader): Reasoning | undefined {
  const { config } = read;
  let reasoning: Reasoning | undefined;
  const value = config.reasoning ?? config.reasoning_effort;
  const key = config.reasoning !== undefined ? 'reasoning' : 'reasoning_effort';
  if (typeof value === 'string') {
    if (!EFFORTS.has(value)) throw read.invalid(key, value, [...EFFORTS].join(', '));
    reasoning = { effort: value as ReasoningEffort };
  } else if (isRecord(value)) {
    reasoning = { ...(value as Reasoning) };
  } else if (value !== undefined && value !== null) {
    throw read.invalid(key, value, `an effort (${[...EFFORTS].join(', ')})`);
  }
  const summary = read.choice('reasoning_summary', SUMMARIES);
  if (summary) reasoning = { ...reasoning, summary: summary as Reasoning['summary'] };
  return reasoning;
}

/** The request settings of one conversation, read once from its config. */
interface RequestSettings {
  params: Partial<ResponseCreateParamsNonStreaming>;
  store: boolean;
  imageDetail: ImageDetail | undefined;
}

function requestSettings(init: Adapter.ConversationInit): RequestSettings {
  const read = new ConfigReader(openaiSpec.name, init.config);
  const params: Partial<ResponseCreateParamsNonStreaming> = {};
  const maxOutputTokens = read.number('max_output_tokens', 'max_tokens');
  if (maxOutputTokens !== undefined) params.max_output_tokens = maxOutputTokens;
  const temperature = read.number('temperature');
  if (temperature !== undefined) params.temperature = temperature;
  const topP = read.number('top_p');
  if (topP !== undefined) params.top_p = topP;
  const reasoning = reasoningSetting(read);
  if (reasoning) params.reasoning = reasoning;
  const truncation = read.choice('truncation', TRUNCATIONS);
  if (truncation) params.truncation = truncation as 'auto' | 'disabled';
  const verbosity = read.choice('verbosity', VERBOSITIES);
  if (verbosity) params.text = { verbosity: verbosity as 'low' | 'medium' | 'high' };
  if (init.tools.length > 0) {
    const toolChoice = read.choice('tool_choice', TOOL_CHOICES);
    if (toolChoice) params.tool_choice = toolChoice as 'auto' | 'required' | 'none';
    params.parallel_tool_calls = read.boolean('parallel_tool_calls') ?? false;
  }
  const store = read.boolean('store') ?? false;
  params.store = store;
  const encrypted =
    read.boolean('encrypted_reasoning') ??
    (reasoning !== undefined || isReasoningModel(init.model));
  if (!store && encrypted) params.include = ['reasoning.encrypted_content' as ResponseIncludable];
  const detail = read.choice('image_detail', DETAILS) as ImageDetail | undefined;
  return { params, store, imageDetail: detail };
}

/**
 * One run's conversation over the Responses API. The whole history stays on the client as `input` items
 * (the prompt, every output item of the model — reasoning, messages, function calls — and every
 * `function_call_output`), so it needs no server-side state (`store: false`, no `previous_response_id`)
 * and works with any Responses-compatible server (hud-python relied on `previous_response_id`, spec §12.9).
 */
export class OpenAIResponsesConversation implements Adapter.ModelConversation {
  readonly #client: () => Promise<OpenAI>;
  readonly #init: Adapter.ConversationInit;
  readonly #toolset: ResponsesToolset;
  readonly #settings: RequestSettings;
  readonly #input: ResponseInputItem[];

  /** `client` is called once, at the first {@link next}. */
  constructor(client: () => Promise<OpenAI>, init: Adapter.ConversationInit) {
    this.#client = lazy(client);
    this.#init = init;
    this.#toolset = responsesTools(init.tools);
    this.#settings = requestSettings(init);
    this.#input = promptInput(init.messages);
  }

  /** The request body the next {@link next} sends (a copy of the history so far). */
  request(): ResponseCreateParamsNonStreaming {
    const body: ResponseCreateParamsNonStreaming = {
      model: this.#init.model,
      input: [...this.#input],
      ...this.#settings.params,
    };
    if (this.#init.system) body.instructions = this.#init.system;
    if (this.#toolset.tools.length > 0) body.tools = this.#toolset.tools;
    return body;
  }

  async next({ signal }: { signal: AbortSignal }): Promise<Adapter.ModelTurn> {
    const client = await this.#client();
    const response = await client.responses.create(this.request(), { signal });
    const turn = parseResponse(response, this.#toolset.plans, this.#init.model);
    this.#input.push(...replayItems(response.output ?? [], this.#settings.store));
    return turn;
  }

  addToolResults(results: readonly Adapter.ToolResultEntry[]): void {
    for (const { call, output } of results) {
      this.#input.push(functionCallOutput(call.id, output, this.#settings.imageDetail));
    }
  }

  addUserText(text: string): void {
    this.#input.push(userText(text));
  }
}

/**
 * The server's wait hint in ms: `retry-after-ms`, else `retry-after` as seconds or an HTTP date (the
 * headers the OpenAI SDK itself honours); the same reading as `retryAfterFromHeaders`.
 */
export const retryAfterMs: typeof retryAfterFromHeaders = retryAfterFromHeaders;

/**
 * The `openai` agent's harness: OpenAI's Responses API through the official `openai` SDK (non-streaming,
 * SDK retries off). Tools are function tools (bash, editor, computer, browser and every MCP tool), sent
 * `strict` when their schema allows it; see {@link OpenAIResponsesConfig} for the settings it reads.
 * @example
 * const adapter = new OpenAIResponsesAdapter();
 * const conversation = adapter.start(
 *   { model: 'gpt-5.6', system: undefined, messages, tools, config: {} },
 *   { apiKey: 'test', baseURL: `${fake.url}/v1`, headers: {} },
 * );
 * const turn = await conversation.next({ signal });
 */
export class OpenAIResponsesAdapter extends ModelHarness {
  readonly #createClient: OpenAIClientFactory;

  constructor(options: OpenAIResponsesAdapterOptions = {}) {
    super(
      openaiSpec,
      [sshToolProvider(), computerToolProvider(), browserToolProvider, mcpToolProvider],
      options,
    );
    this.#createClient =
      options.createClient ?? ((endpoint) => openAIClient(endpoint, 0, `the ${this.name} agent`));
  }

  /**
   * @throws AgentError `invalid_config` for a setting of the wrong type or an unknown choice.
   */
  override start(
    init: Adapter.ConversationInit,
    endpoint: Adapter.ProviderEndpoint,
  ): OpenAIResponsesConversation {
    return new OpenAIResponsesConversation(async () => this.#createClient(endpoint), init);
  }

  /**
   * Retryable: 408, 409, 429 and 5xx responses (or whatever `x-should-retry` says), connection failures
   * and timeouts; not: other 4xx, aborts, other errors.
   */
  override classifyError(error: unknown): Adapter.ErrorClass {
    return classifyOpenAIError(error);
  }
}
