import { GatewayError } from '../errors.js';
import type { ModelStore } from '../store/areas/models.js';
import {
  DEFAULT_BASE_URLS,
  FAMILY_OF_API,
  familyOf,
  type LlmApi,
  type LlmOptions,
  type ProviderAccess,
  type ProviderFamily,
} from './options.js';

/** Where one client request goes: the catalog model, its provider and key, and the upstream model id. */
export interface LlmTarget {
  /** The catalog name of the model (prices and usage are keyed by it). */
  model: string;
  upstreamModel: string;
  provider: string;
  family: ProviderFamily;
  access: ProviderAccess;
}

const API_HINT: Readonly<Record<ProviderFamily, string>> = {
  openai: 'the OpenAI Chat Completions or Responses API (POST /v1/chat/completions, /v1/responses)',
  anthropic: 'the Anthropic Messages API (POST /v1/messages)',
  gemini: 'the Gemini API (POST /v1beta/models/{model}:generateContent)',
};

/**
 * Resolves `model` (a catalog name, `model_name` or id visible to the team) for a call of `api`. The key
 * is the team's own (`teamAccess`, BYOK) when it set one for the provider, else the pooled one.
 * @throws GatewayError `not_found` for an unknown model, `invalid_request` when the model's provider does
 *   not speak `api`, `unavailable` when the gateway holds no key for the provider.
 */
export async function resolveTarget(
  models: ModelStore,
  teamId: string,
  api: LlmApi,
  model: string,
  options: LlmOptions,
  teamAccess?: (provider: string) => Promise<ProviderAccess | undefined>,
): Promise<LlmTarget> {
  const record = await models.resolveModel(teamId, model);
  if (!record) {
    throw new GatewayError(
      'not_found',
      `unknown model ${JSON.stringify(model)}: this gateway does not serve it (GET /v1/models lists the models it serves)`,
    );
  }
  const provider = record.provider?.name ?? 'openai';
  const family = familyOf(provider);
  if (FAMILY_OF_API[api] !== family) {
    throw new GatewayError(
      'invalid_request',
      `model ${record.name} is served by provider ${provider}: call it with ${API_HINT[family]}`,
    );
  }
  // The team's own key (BYOK) comes before the gateway's pooled one.
  const access = (await teamAccess?.(provider)) ?? options.providers?.[provider];
  if (!access) {
    throw new GatewayError(
      'unavailable',
      `the gateway has no key for provider ${provider} (model ${record.name}): set the team's own with \`hud keys provider set ${provider} --api-key …\`, or its operator sets one (e.g. ${provider.toUpperCase().replaceAll(/[^A-Z0-9]+/g, '_')}_API_KEY for the built-in providers) and restarts it`,
    );
  }
  return {
    model: record.name,
    upstreamModel: record.model_name ?? record.name,
    provider,
    family,
    access,
  };
}

function base(target: LlmTarget): string {
  return (target.access.baseUrl ?? DEFAULT_BASE_URLS[target.family]).replace(/\/+$/, '');
}

/** The version and method of a Gemini path (`/v1beta/models/{model}:streamGenerateContent`). */
export interface GeminiPath {
  version: 'v1beta' | 'v1';
  method: 'generateContent' | 'streamGenerateContent';
}

/**
 * The upstream URL of a call: OpenAI-style bases carry `/v1` (`{base}/chat/completions`), Anthropic's and
 * Gemini's do not (`{base}/v1/messages`, `{base}/{version}/models/{model}:{method}`). `query` is the client's
 * query string without a HUD key (`?key=`), e.g. Gemini's `alt=sse` or Anthropic's `beta=true`.
 */
export function upstreamUrl(
  target: LlmTarget,
  api: LlmApi,
  query: URLSearchParams,
  gemini: GeminiPath = { version: 'v1beta', method: 'generateContent' },
): string {
  const path =
    api === 'openai-chat'
      ? '/chat/completions'
      : api === 'openai-responses'
        ? '/responses'
        : api === 'anthropic-messages'
          ? '/v1/messages'
          : `/${gemini.version}/models/${encodeURIComponent(target.upstreamModel)}:${gemini.method}`;
  const rest = new URLSearchParams(query);
  rest.delete('key');
  rest.delete('api_key');
  const search = rest.toString();
  return `${base(target)}${path}${search ? `?${search}` : ''}`;
}

/** Client headers that travel upstream (everything else, the HUD key above all, stays here). */
const FORWARDED = [
  'accept',
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
  'idempotency-key',
];

/** The upstream request headers: the forwarded client headers plus the provider's own auth header. */
export function upstreamHeaders(
  target: LlmTarget,
  client: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of FORWARDED) {
    const value = client[name];
    if (typeof value === 'string') headers[name] = value;
  }
  if (target.family === 'anthropic') {
    headers['x-api-key'] = target.access.apiKey;
    headers['anthropic-version'] ??= '2023-06-01';
  } else if (target.family === 'gemini') {
    headers['x-goog-api-key'] = target.access.apiKey;
  } else {
    headers.authorization = `Bearer ${target.access.apiKey}`;
  }
  return headers;
}

/** Upstream response headers that are not passed back (hop-by-hop, re-framed or provider-account). */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'set-cookie',
  'date',
  'server',
  'alt-svc',
  'openai-organization',
  'openai-project',
  'anthropic-organization-id',
]);

/** The upstream response headers passed back to the client. */
export function replyHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!DROPPED.has(name)) out[name] = value;
  });
  return out;
}
