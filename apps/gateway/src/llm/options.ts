/**
 * Fallbacks per catalog model: `{"claude-opus-4-8": ["claude-sonnet-4-6"]}` — when the model's provider
 * still answers 429/5xx after the retries (or cannot be reached), the gateway sends the same request to the
 * first fallback, then the next. Keys and values are catalog model names (`GET /v1/models`).
 */
export type ModelFallbacks = Readonly<Record<string, readonly string[]>>;

/** The wire API a client called: each provider speaks one or two of them. */
export type LlmApi = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini';

/** How the gateway reaches one provider: its key and, optionally, another base URL. */
export interface ProviderAccess {
  /** The provider key (never leaves the gateway: not in replies, logs or traces). */
  apiKey: string;
  /**
   * Base URL, as the provider's own SDK takes it in `*_BASE_URL`: OpenAI-style with `/v1`
   * (`https://api.example.com/v1`), Anthropic and Gemini without a version (default: the provider's API).
   */
  baseUrl?: string | undefined;
}

/** Upstream retry policy for 429, 5xx and connection failures. */
export interface LlmRetryOptions {
  /** Retries after the first attempt (default 2). */
  retries?: number;
  /** First backoff delay, ms (default 500; doubled each retry, randomised ×1–2). */
  minTimeoutMs?: number;
  /** Largest backoff delay, ms (default 8,000). */
  maxTimeoutMs?: number;
  /**
   * Largest `retry-after` honoured, ms (default 30,000): an upstream asking for longer is not retried
   * and its answer goes to the client as it is.
   */
  maxRetryAfterMs?: number;
}

/** Options of the LLM gateway routes (`/v1/*`, `/v1beta/*`). */
export interface LlmOptions {
  /**
   * Pooled provider keys by the catalog's provider name (`anthropic`, `openai`, `gemini`, or any other
   * name an OpenAI-compatible catalog model names). The bin fills them from `ANTHROPIC_API_KEY` /
   * `ANTHROPIC_BASE_URL`, `OPENAI_API_KEY` / `OPENAI_BASE_URL`, `GEMINI_API_KEY` / `GEMINI_BASE_URL`.
   */
  providers?: Readonly<Record<string, ProviderAccess>>;
  retry?: LlmRetryOptions;
  /**
   * Fallbacks per catalog model, tried in order when the model's provider still answers 429/5xx after
   * the retries or cannot be reached (see `ModelFallbacks`; the bin's `--fallback`). Checked at start:
   * unknown names and fallbacks of another wire API are refused.
   */
  fallbacks?: ModelFallbacks;
  /** Largest request body, bytes (default 32 MiB: prompts carry screenshots). */
  bodyLimit?: number;
}

/** The wire family a catalog provider speaks: `anthropic`, `gemini`, else OpenAI-compatible. */
export type ProviderFamily = 'anthropic' | 'gemini' | 'openai';

/** The family of a catalog provider name. */
export function familyOf(provider: string): ProviderFamily {
  if (provider === 'anthropic') return 'anthropic';
  if (provider === 'gemini' || provider === 'google') return 'gemini';
  return 'openai';
}

/** The family each client API belongs to. */
export const FAMILY_OF_API: Readonly<Record<LlmApi, ProviderFamily>> = {
  'openai-chat': 'openai',
  'openai-responses': 'openai',
  'anthropic-messages': 'anthropic',
  gemini: 'gemini',
};

/** Default base URLs when a provider's access names none. */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderFamily, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};
