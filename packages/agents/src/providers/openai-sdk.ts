import type OpenAI from 'openai';
import type { ErrorClass, ProviderEndpoint } from '../model/adapter.js';
import { classifyHttpError, headerValue, retryAfterFromHeaders } from '../model/retry.js';
import { OptionalPeer } from './lazy.js';

/**
 * The `openai` SDK, an optional peer dependency imported on first use: loading it takes a few hundred ms,
 * which importing `@hud/agents` (or a `hud` command that never calls a model) should not pay, and users of
 * other harnesses need not install it. Shared by the `openai` and `openai_compatible` harnesses and the
 * auto-respond classifier.
 */
export const openaiSdk: OptionalPeer<typeof import('openai')> = new OptionalPeer(
  'openai',
  () => import('openai'),
);

/**
 * The `openai` SDK, imported on first use.
 * @throws AgentError `not_available` (`<user> needs openai, which is not installed: npm install openai`).
 */
export function loadOpenAISdk(user = 'this agent'): Promise<typeof import('openai')> {
  return openaiSdk.load(user);
}

/** The SDK if {@link loadOpenAISdk} has loaded it (error classes exist only then), else undefined. */
export function loadedOpenAISdk(): typeof import('openai') | undefined {
  return openaiSdk.loaded();
}

/** Builds the SDK client a conversation calls (a harness option, so tests can hand in their own). */
export type OpenAIClientFactory = (endpoint: ProviderEndpoint) => OpenAI | Promise<OpenAI>;

/**
 * `new OpenAI({apiKey, baseURL, defaultHeaders, maxRetries})` for `endpoint` (no `baseURL`: the SDK's
 * default). `maxRetries` defaults to 0: the tool loop retries, honouring `retry-after`. `user` names who
 * needs the SDK when it is missing (`the openai agent`).
 * @throws AgentError `not_available` when the `openai` package is not installed.
 */
export async function openAIClient(
  endpoint: ProviderEndpoint,
  maxRetries = 0,
  user = 'this agent',
): Promise<OpenAI> {
  const { default: OpenAIClient } = await loadOpenAISdk(user);
  return new OpenAIClient({
    apiKey: endpoint.apiKey,
    ...(endpoint.baseURL !== undefined ? { baseURL: endpoint.baseURL } : {}),
    defaultHeaders: { ...endpoint.headers },
    maxRetries,
  });
}

/**
 * Classifies an error of the `openai` SDK: an abort is final; a response's `x-should-retry` header decides
 * when present (as the SDK's own retries do); otherwise {@link classifyHttpError} (408, 409, 429, 5xx,
 * connection failures and timeouts retry), with `retryAfterMs` from `retry-after-ms` / `retry-after`.
 */
export function classifyOpenAIError(error: unknown): ErrorClass {
  const sdk = openaiSdk.loaded();
  if (sdk && error instanceof sdk.APIUserAbortError) {
    return { status: undefined, retryable: false, retryAfterMs: undefined };
  }
  if (sdk && error instanceof sdk.APIError && typeof error.status === 'number') {
    const should = headerValue(error.headers, 'x-should-retry');
    if (should === 'true' || should === 'false') {
      return {
        status: error.status,
        retryable: should === 'true',
        retryAfterMs: retryAfterFromHeaders(error.headers),
      };
    }
  }
  return classifyHttpError(error);
}
