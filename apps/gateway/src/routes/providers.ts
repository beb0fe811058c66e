import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { requireAdmin } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import type { ProviderKeyInfo, ProviderKeyVault } from '../llm/provider-keys.js';

const PROVIDER = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const ProviderPut = z.strictObject({
  api_key: z.string().trim().min(8).max(4096),
  base_url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
});

function providerOf(raw: string): string {
  if (!PROVIDER.test(raw)) {
    throw new GatewayError(
      'invalid_request',
      `invalid provider ${JSON.stringify(raw)} in the path: expected a catalog provider name such as anthropic, openai or gemini`,
    );
  }
  return raw;
}

/**
 * A team's own provider keys (BYOK), for `hud keys provider set|list|remove`; admin keys only, for the
 * caller's team:
 * - `PUT /v2/providers/{provider}` `{api_key, base_url?}` → {@link ProviderKeyInfo} (replaces any earlier);
 * - `GET /v2/providers` → `{items: [ProviderKeyInfo…]}` (the key's last 4 characters, never the key);
 * - `DELETE /v2/providers/{provider}` → `{provider, deleted: true}`; 404 when the team set none.
 * The LLM routes use a team's key (and base URL) before the gateway's pooled one.
 */
export function registerProviderRoutes(app: FastifyInstance, vault: ProviderKeyVault): void {
  app.get('/v2/providers', async (request): Promise<{ items: ProviderKeyInfo[] }> => {
    const auth = requireAdmin(request);
    return { items: await vault.list(auth.teamId) };
  });

  app.put<{ Params: { provider: string } }>(
    '/v2/providers/:provider',
    async (request): Promise<ProviderKeyInfo> => {
      const auth = requireAdmin(request);
      const provider = providerOf(request.params.provider);
      const body = parseWith(ProviderPut, request.body ?? {}, 'body');
      return vault.set(auth.teamId, provider, { apiKey: body.api_key, baseUrl: body.base_url });
    },
  );

  app.delete<{ Params: { provider: string } }>(
    '/v2/providers/:provider',
    async (request): Promise<{ provider: string; deleted: true }> => {
      const auth = requireAdmin(request);
      const provider = providerOf(request.params.provider);
      if (!(await vault.remove(auth.teamId, provider))) {
        throw new GatewayError(
          'not_found',
          `team ${auth.teamName} has no key for provider ${provider}`,
        );
      }
      return { provider, deleted: true };
    },
  );
}
