import type Anthropic from '@anthropic-ai/sdk';
import type { Usage } from '@hud/protocol';
import { AgentError } from '../../errors.js';
import type * as Adapter from '../../model/adapter.js';
import { type HarnessOptions, ModelHarness } from '../../model/harness.js';
import { classifyHttpError } from '../../model/retry.js';
import { lazy, OptionalPeer } from '../lazy.js';
import {
  appendBlocks,
  type ClaudeMessage,
  parseContent,
  promptToMessages,
  toolResultBlocks,
  withCacheBreakpoint,
} from './claude-messages.js';
import { claudeSpec } from './claude-spec.js';
import { type ClaudeToolParams, claudeToolParams, claudeToolProviders } from './claude-tools.js';

/**
 * `@anthropic-ai/sdk`, an optional peer dependency imported on first use (users of other harnesses need not
 * install it).
 */
export const anthropicSdk: OptionalPeer<typeof import('@anthropic-ai/sdk')> = new OptionalPeer(
  '@anthropic-ai/sdk',
  () => import('@anthropic-ai/sdk'),
);

/** hud-python `ClaudeConfig.max_tokens`. */
export const DEFAULT_CLAUDE_MAX_TOKENS = 16_384;

/**
 * Above this `max_tokens` the SDK refuses a non-streaming call that has no explicit timeout (it expects
 * such a call to take over 10 minutes); we pass one instead of streaming.
 */
const NON_STREAMING_TOKEN_LIMIT = 21_333;

/** Config keys passed through to the request body unchanged. */
const PASSTHROUGH = ['temperature', 'top_p', 'top_k', 'thinking', 'metadata', 'stop_sequences'];

function positiveInteger(config: Readonly<Record<string, unknown>>, key: string) {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new AgentError('invalid_config', `${key} must be a whole number ≥ 1`);
  }
  return value;
}

/** One run's conversation with the Messages API: holds the native history. */
class ClaudeConversation implements Adapter.ModelConversation {
  readonly #client: () => Promise<Anthropic>;
  readonly #init: Adapter.ConversationInit;
  readonly #tools: ClaudeToolParams;
  readonly #history: ClaudeMessage[];
  readonly #maxTokens: number;
  readonly #timeoutMs: number;

  /** `user` names who needs the SDK when it is missing (`the claude agent`). */
  constructor(init: Adapter.ConversationInit, endpoint: Adapter.ProviderEndpoint, user: string) {
    this.#init = init;
    // Built at the first model call: the SDK is imported then.
    this.#client = lazy(async () => {
      const { default: AnthropicClient } = await anthropicSdk.load(user);
      return new AnthropicClient({
        apiKey: endpoint.apiKey,
        baseURL: endpoint.baseURL ?? null,
        defaultHeaders: { ...endpoint.headers },
        maxRetries: 0, // the loop retries, honouring retry-after
      });
    });
    this.#tools = claudeToolParams(init.tools, init.model);
    this.#history = promptToMessages(init.messages);
    this.#maxTokens = positiveInteger(init.config, 'max_tokens') ?? DEFAULT_CLAUDE_MAX_TOKENS;
    const timeoutSeconds = init.config.request_timeout_seconds;
    this.#timeoutMs =
      typeof timeoutSeconds === 'number' && timeoutSeconds > 0
        ? timeoutSeconds * 1000
        : this.#maxTokens > NON_STREAMING_TOKEN_LIMIT
          ? 60 * 60_000
          : 10 * 60_000;
  }

  #body(): Anthropic.Beta.MessageCreateParamsNonStreaming {
    const { config, system } = this.#init;
    const body: Anthropic.Beta.MessageCreateParamsNonStreaming = {
      model: this.#init.model,
      max_tokens: this.#maxTokens,
      messages: withCacheBreakpoint(this.#history) as Anthropic.Beta.BetaMessageParam[],
    };
    if (system) body.system = [{ type: 'text', text: system }];
    if (this.#tools.tools.length > 0) {
      body.tools = this.#tools.tools;
      body.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
    }
    for (const key of PASSTHROUGH) {
      if (config[key] !== undefined)
        (body as unknown as Record<string, unknown>)[key] = config[key];
    }
    return body;
  }

  async next({ signal }: { signal: AbortSignal }): Promise<Adapter.ModelTurn> {
    const body = this.#body();
    const options = { signal, timeout: this.#timeoutMs };
    const { betas } = this.#tools;
    const client = await this.#client();
    const message = (
      betas.length > 0
        ? await client.beta.messages.create({ ...body, betas }, options)
        : await client.messages.create(
            body as unknown as Anthropic.MessageCreateParamsNonStreaming,
            options,
          )
    ) as Anthropic.Beta.BetaMessage;
    const parsed = parseContent(message.content ?? []);
    if (parsed.assistant) this.#history.push(parsed.assistant);
    return {
      text: parsed.text,
      reasoning: parsed.reasoning,
      toolCalls: parsed.toolCalls,
      finishReason: message.stop_reason ?? null,
      usage: usageOf(message.usage),
      model: message.model || this.#init.model,
    };
  }

  addToolResults(results: readonly Adapter.ToolResultEntry[]): void {
    if (results.length > 0) appendBlocks(this.#history, 'user', toolResultBlocks(results));
  }

  addUserText(text: string): void {
    appendBlocks(this.#history, 'user', [{ type: 'text', text }]);
  }
}

/**
 * Usage of one Messages API call: `prompt_tokens` counts every input token (uncached, cache reads and
 * cache writes), `cached_tokens` the cache reads.
 */
export function usageOf(usage: Partial<Anthropic.Beta.BetaUsage> | undefined): Usage {
  const cached = usage?.cache_read_input_tokens ?? 0;
  return {
    prompt_tokens: (usage?.input_tokens ?? 0) + cached + (usage?.cache_creation_input_tokens ?? 0),
    completion_tokens: usage?.output_tokens ?? 0,
    cached_tokens: cached,
  };
}

/**
 * The `claude` harness (hud-python `ClaudeAgent`, spec §7.5): Anthropic Messages through the official SDK,
 * non-streaming, one tool call per turn (`disable_parallel_tool_use`), prompt caching on the last user
 * turn; native `bash`, `str_replace_based_edit_tool` and (beta) `computer` tools, MCP and browser tools as
 * custom tools. Config: `max_tokens` (default 16 384), `temperature`, `top_p`, `top_k`, `thinking`,
 * `stop_sequences`, `metadata`, `request_timeout_seconds`.
 * @example
 * const agent = new ToolLoopAgent(new ClaudeAdapter(), { settings: { ANTHROPIC_API_KEY: key } });
 */
export class ClaudeAdapter extends ModelHarness {
  /** `options` override the identity of `claudeSpec` and the tools (default `claudeToolProviders`). */
  constructor(options: HarnessOptions = {}) {
    super(claudeSpec, claudeToolProviders, options);
  }

  /**
   * Starts a conversation; its first `next` imports the SDK (rejecting with AgentError `not_available`
   * when `@anthropic-ai/sdk` is not installed).
   * @throws AgentError `invalid_config` for a `max_tokens` that is not a whole number ≥ 1.
   */
  override start(
    init: Adapter.ConversationInit,
    endpoint: Adapter.ProviderEndpoint,
  ): Adapter.ModelConversation {
    return new ClaudeConversation(init, endpoint, `the ${this.name} agent`);
  }

  /** {@link classifyHttpError}, except that an abort is final. */
  override classifyError(error: unknown): Adapter.ErrorClass {
    const sdk = anthropicSdk.loaded();
    if (sdk && error instanceof sdk.APIUserAbortError) {
      return { status: undefined, retryable: false, retryAfterMs: undefined };
    }
    return classifyHttpError(error);
  }
}
