import type { ProviderKeyRow, ProviderKeyStore } from '../store/areas/provider-keys.js';
import type { ProviderAccess } from './options.js';
import type { SecretBox } from './secret-box.js';

/** A team's provider key as listed: never the key, only its last 4 characters. */
export interface ProviderKeyInfo {
  provider: string;
  /** The last 4 characters of the key (`…abcd`). */
  key_last4: string;
  base_url: string | null;
  created_at: string;
  updated_at: string;
}

function info(row: ProviderKeyRow): ProviderKeyInfo {
  return {
    provider: row.provider,
    key_last4: row.fingerprint,
    base_url: row.base_url,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Teams' own provider keys (BYOK): sealed with the gateway's {@link SecretBox} before they are stored. */
export class ProviderKeyVault {
  readonly #store: ProviderKeyStore;
  readonly #box: SecretBox;
  constructor(store: ProviderKeyStore, box: SecretBox) {
    this.#store = store;
    this.#box = box;
  }

  /** Sets (or replaces) `teamId`'s key for `provider`. */
  async set(
    teamId: string,
    provider: string,
    access: { apiKey: string; baseUrl?: string | undefined },
  ): Promise<ProviderKeyInfo> {
    const row = await this.#store.putProviderKey({
      teamId,
      provider,
      encryptedKey: this.#box.seal(access.apiKey),
      fingerprint: access.apiKey.slice(-4),
      baseUrl: access.baseUrl ?? null,
    });
    return info(row);
  }

  /** `teamId`'s keys, without the keys. */
  async list(teamId: string): Promise<ProviderKeyInfo[]> {
    return (await this.#store.listProviderKeys(teamId)).map(info);
  }

  /** Removes `teamId`'s key for `provider`; false when there was none. */
  remove(teamId: string, provider: string): Promise<boolean> {
    return this.#store.deleteProviderKey(teamId, provider);
  }

  /**
   * `teamId`'s own access to `provider` (decrypted), or undefined when the team set none.
   * @throws GatewayError `unavailable` when the stored key cannot be decrypted (the secret changed).
   */
  async access(teamId: string, provider: string): Promise<ProviderAccess | undefined> {
    const row = await this.#store.getProviderKey(teamId, provider);
    if (!row) return undefined;
    return {
      apiKey: this.#box.open(row.encrypted_key),
      ...(row.base_url ? { baseUrl: row.base_url } : {}),
    };
  }
}
