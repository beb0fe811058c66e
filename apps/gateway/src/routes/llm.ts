import type { FastifyInstance } from 'fastify';
import { authOf, type RouteFlags } from '../http/auth.js';
import { checkFallbacks } from '../llm/fallbacks.js';
import { KeyGuard } from '../llm/key-guard.js';
import type { LlmOptions } from '../llm/options.js';
import type { ProviderKeyVault } from '../llm/provider-keys.js';
import { type LlmCall, relayLlmCall } from '../llm/proxy.js';
import { MODEL_CATALOG } from '../store/model-catalog.js';
import type { RouteContext } from './context.js';

/** One model of `GET /v1/models`: OpenAI's list item and Anthropic's `ModelInfo` in one object. */
export interface LlmModelItem {
  id: string;
  object: 'model';
  type: 'model';
  created: number;
  created_at: string;
  owned_by: string;
  display_name: string;
}

/** `GET /v1/models`: OpenAI's and Anthropic's list shapes in one answer. */
export interface LlmModelList {
  object: 'list';
  data: LlmModelItem[];
  has_more: false;
  first_id: string | null;
  last_id: string | null;
}

const MiB = 1024 * 1024;

/**
 * The LLM gateway routes (issue 16): one HUD key for every provider. Clients use the official SDKs with
 * the gateway as base URL and the HUD key as API key — sent as `Authorization: Bearer` (OpenAI, Anthropic
 * 1.x), `x-api-key` (Anthropic) or `x-goog-api-key` / `?key=` (Gemini):
 * - `POST /v1/chat/completions`, `POST /v1/responses` (also without `/v1`: hud agents give OpenAI SDKs
 *   the bare gateway URL), `POST /v1/messages`, `POST /v1beta/models/{model}:generateContent` and
 *   `:streamGenerateContent` (also under `/v1/models/…`) → relayed to the model's provider (see `relayLlmCall`);
 * - `GET /v1/models` (and `/models`) → the catalog visible to the key's team.
 * Answers come back in the provider's own format with `x-hud-model` naming the catalog model that answered
 * (a fallback's, see `LlmOptions.fallbacks`); gateway errors (unknown model 404, no key 401, …) as
 * `{error: {code, message}, detail}`, and the key's limits as 429 `rate_limited` (with `retry-after`) or
 * 402 `budget_exceeded` (see `KeyGuard`).
 * @throws GatewayError `invalid_request` when `options.fallbacks` names a model outside the catalog or a
 *   fallback of another wire API (at start, before any route is served).
 */
export function registerLlmRoutes(
  app: FastifyInstance,
  context: RouteContext,
  options: LlmOptions = {},
  vault?: ProviderKeyVault,
): void {
  if (options.fallbacks) checkFallbacks(options.fallbacks, MODEL_CATALOG);
  const guard = new KeyGuard(context.store.keys, context.store.usage);
  const llm = { store: context.store, options, vault, guard };
  const config: RouteFlags = { providerKeys: true };
  const bodyLimit = options.bodyLimit ?? 32 * MiB;
  const relay = (url: string, call: Omit<LlmCall, 'pathModel'>) =>
    app.post(url, { config, bodyLimit }, (request, reply) =>
      relayLlmCall(llm, call, request, reply),
    );
  for (const prefix of ['/v1', '']) {
    relay(`${prefix}/chat/completions`, { api: 'openai-chat' });
    relay(`${prefix}/responses`, { api: 'openai-responses' });
    app.get(`${prefix}/models`, { config }, async (request): Promise<LlmModelList> => {
      const models = await context.store.models.listModels(authOf(request).teamId);
      const data = models.map(
        (model): LlmModelItem => ({
          id: model.name,
          object: 'model',
          type: 'model',
          created: Math.floor(Date.parse(model.created_at) / 1000),
          created_at: model.created_at,
          owned_by: model.provider?.name ?? 'hud',
          display_name: model.display_name ?? model.name,
        }),
      );
      return {
        object: 'list',
        data,
        has_more: false,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      };
    });
  }
  relay('/v1/messages', { api: 'anthropic-messages' });
  // hud-python and @hud/agents pin `v1beta`; @google/genai 3 defaults to `v1`. Upstream gets the same one.
  for (const version of ['v1beta', 'v1'] as const) {
    for (const method of ['generateContent', 'streamGenerateContent'] as const) {
      app.post<{ Params: { model: string } }>(
        `/${version}/models/:model(^[^:/]+)::${method}`,
        { config, bodyLimit },
        (request, reply) =>
          relayLlmCall(
            llm,
            { api: 'gemini', pathModel: request.params.model, gemini: { version, method } },
            request,
            reply,
          ),
      );
    }
  }
}
