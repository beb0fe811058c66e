import type { ToolProvider } from '../tools/tool.js';
import type {
  ConversationInit,
  ErrorClass,
  HarnessIdentity,
  ModelAdapter,
  ModelConversation,
  ProviderEndpoint,
} from './adapter.js';

/** List prices of one model, US dollars per million tokens. */
export interface TokenPrice {
  /** Uncached input tokens. */
  input: number;
  output: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedInput: number;
}

/** A {@link TokenPrice}, USD per million tokens (a short form for price tables). */
export function tokenPrice(input: number, output: number, cachedInput: number): TokenPrice {
  return { input, output, cachedInput };
}

/**
 * A model harness as hud-ts knows it before its SDK loads: the one place its agent name, default model,
 * key settings (and so their `*_BASE_URL` settings), keyless servers and model prices are stated. The
 * registry turns it into an agent (`createAgent(name)`), the price table reads its `prices`, and its
 * adapter class takes its identity from it. See docs/decisions/0002-harness-shape.md.
 * @example
 * const vllm: ModelAgentSpec = {
 *   name: 'vllm',
 *   defaultModel: 'Qwen/Qwen3-8B',
 *   keyNames: ['VLLM_API_KEY'], // base URL: VLLM_BASE_URL
 *   keyless: true,
 *   load: async () => new OpenAICompatibleAdapter({ name: 'vllm', defaultModel: 'Qwen/Qwen3-8B' }),
 * };
 * const agent = new ToolLoopAgent(vllm, { settings: { VLLM_BASE_URL: 'http://127.0.0.1:8000/v1' } });
 */
export interface ModelAgentSpec extends HarnessIdentity {
  /**
   * List prices of the models it serves, by model name (`claude-sonnet-4-6`), from the provider's pricing
   * page; gathered into `MODEL_PRICES`. A model missing here has an unknown cost.
   */
  readonly prices?: Readonly<Record<string, TokenPrice>>;
  /** Loads the harness (a dynamic import, so SDKs load only when used). */
  load(): Promise<ModelAdapter>;
}

/** What every harness class accepts: overrides of its spec's identity, and of its tools. */
export interface HarnessOptions {
  /** Agent name (default: the spec's, e.g. `openai`). */
  name?: string;
  /** Model without `--model` (default: the spec's). */
  defaultModel?: string;
  /** Settings holding the key, in preference order (default: the spec's). */
  keyNames?: readonly string[];
  /** Tool providers in catalog order (default: the harness's own list). */
  toolProviders?: readonly ToolProvider[];
}

/**
 * The shape every model harness class shares: its identity from its {@link ModelAgentSpec} (overridable
 * through {@link HarnessOptions}), its tool providers, and the two provider-specific parts a subclass
 * writes: {@link ModelAdapter.start} and {@link ModelAdapter.classifyError}.
 */
export abstract class ModelHarness implements ModelAdapter {
  readonly name: string;
  readonly defaultModel: string;
  readonly keyNames: readonly string[];
  readonly keyless: boolean;
  readonly toolProviders: readonly ToolProvider[];

  /** `toolProviders` is the harness's default list, used unless `options.toolProviders` is given. */
  protected constructor(
    spec: HarnessIdentity,
    toolProviders: readonly ToolProvider[],
    options: HarnessOptions = {},
  ) {
    this.name = options.name ?? spec.name;
    this.defaultModel = options.defaultModel ?? spec.defaultModel;
    this.keyNames = options.keyNames ?? spec.keyNames;
    this.keyless = spec.keyless === true;
    this.toolProviders = options.toolProviders ?? toolProviders;
  }

  abstract start(init: ConversationInit, endpoint: ProviderEndpoint): ModelConversation;

  abstract classifyError(error: unknown): ErrorClass;
}
