import { z } from 'zod';
import { loadSettings } from '../settings.js';
import { renderTable } from '../table.js';
import { platformClient } from './client.js';
import { listOf } from './shapes.js';

/** A team's own provider key as the gateway lists it (`/v2/providers`): never the key itself. */
const ProviderKey = z.looseObject({
  provider: z.string(),
  key_last4: z.string().nullable().optional(),
  base_url: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
});

const PROVIDER = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function checkProvider(provider: string): string {
  if (!PROVIDER.test(provider)) {
    throw new Error(
      `provider must be a catalog provider name such as anthropic, openai or gemini, got '${provider}'`,
    );
  }
  return provider;
}

/**
 * `hud keys provider set <provider> --api-key <key> [--base-url <url>]`: `PUT /v2/providers/{provider}`
 * (admin key). Prints the provider and the key's last 4 characters, never the key.
 * @throws Error for a bad provider name or base URL; PlatformError (403 for a member key, …).
 */
export async function providerKeySet(
  provider: string,
  flags: { apiKey: string; baseUrl?: string; json?: boolean },
): Promise<void> {
  checkProvider(provider);
  if (flags.baseUrl !== undefined && !URL.canParse(flags.baseUrl)) {
    throw new Error(`--base-url must be an http(s) URL, got '${flags.baseUrl}'`);
  }
  const client = platformClient(loadSettings());
  const saved = await client.put(
    `/v2/providers/${provider}`,
    { api_key: flags.apiKey, ...(flags.baseUrl ? { base_url: flags.baseUrl } : {}) },
    { schema: ProviderKey },
  );
  if (flags.json) return console.log(JSON.stringify(saved));
  console.log(
    `set the team's ${saved.provider} key (…${saved.key_last4 ?? ''})${saved.base_url ? ` at ${saved.base_url}` : ''}`,
  );
}

/**
 * `hud keys provider list`: `GET /v2/providers` as a table (provider, key's last 4, base URL, updated).
 * @throws PlatformError (403 for a member key, …).
 */
export async function providerKeyList(flags: { json?: boolean }): Promise<void> {
  const client = platformClient(loadSettings());
  const keys = await client.get('/v2/providers', { schema: listOf(ProviderKey) });
  if (flags.json) return console.log(JSON.stringify(keys));
  if (keys.length === 0) return console.log('no provider keys (the gateway uses its pooled keys)');
  const rows = keys.map((key) => [
    key.provider,
    key.key_last4 ? `…${key.key_last4}` : '',
    key.base_url ?? '',
    key.updated_at ?? '',
  ]);
  console.log(
    renderTable(['provider', 'key', 'base url', 'updated'], rows, process.stdout.isTTY === true),
  );
}

/**
 * `hud keys provider remove <provider>`: `DELETE /v2/providers/{provider}`.
 * @throws PlatformError (`not_found` when the team set no key for it, 403 for a member key, …).
 */
export async function providerKeyRemove(
  provider: string,
  flags: { json?: boolean },
): Promise<void> {
  checkProvider(provider);
  const client = platformClient(loadSettings());
  const removed = await client.delete(`/v2/providers/${provider}`);
  if (flags.json) return console.log(JSON.stringify(removed));
  console.log(`removed the team's ${provider} key (the gateway's pooled key applies again)`);
}
