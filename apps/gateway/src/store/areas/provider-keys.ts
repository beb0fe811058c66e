import { nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';

/** A team's own provider key (BYOK) as stored: the key only as ciphertext. */
export interface ProviderKeyRow {
  team_id: string;
  /** The catalog provider name (`anthropic`, `openai`, `gemini`, …). */
  provider: string;
  /** The key sealed by the gateway's secret (`v1.<iv>.<tag>.<ciphertext>`, base64url; never plaintext). */
  encrypted_key: string;
  /** The last 4 characters of the key, to recognise it in listings. */
  fingerprint: string;
  /** Base URL the team's calls to this provider go to, or null for the provider's default. */
  base_url: string | null;
  created_at: string;
  updated_at: string;
}

/** Provider keys per team (`provider_keys`): one row per (team, provider). */
export interface ProviderKeyStore {
  /** Sets (or replaces) a team's key for `provider`. */
  putProviderKey(input: {
    teamId: string;
    provider: string;
    encryptedKey: string;
    fingerprint: string;
    baseUrl: string | null;
  }): Promise<ProviderKeyRow>;
  /** A team's key for `provider`, or undefined. */
  getProviderKey(teamId: string, provider: string): Promise<ProviderKeyRow | undefined>;
  /** A team's keys, by provider name. */
  listProviderKeys(teamId: string): Promise<ProviderKeyRow[]>;
  /** Removes a team's key for `provider`; false when there was none. */
  deleteProviderKey(teamId: string, provider: string): Promise<boolean>;
}

const COLUMNS = 'team_id, provider, encrypted_key, fingerprint, base_url, created_at, updated_at';

/** The SQL implementation of {@link ProviderKeyStore}. */
export class SqlProviderKeyStore implements ProviderKeyStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async putProviderKey(input: {
    teamId: string;
    provider: string;
    encryptedKey: string;
    fingerprint: string;
    baseUrl: string | null;
  }): Promise<ProviderKeyRow> {
    const now = nowIso();
    await this.#sql.run(
      `INSERT INTO provider_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $6)
        ON CONFLICT (team_id, provider) DO UPDATE SET encrypted_key = excluded.encrypted_key,
          fingerprint = excluded.fingerprint, base_url = excluded.base_url, updated_at = excluded.updated_at`,
      [input.teamId, input.provider, input.encryptedKey, input.fingerprint, input.baseUrl, now],
    );
    const row = await this.getProviderKey(input.teamId, input.provider);
    if (!row) throw new Error(`provider key ${input.provider} vanished after insert`);
    return row;
  }

  getProviderKey(teamId: string, provider: string): Promise<ProviderKeyRow | undefined> {
    return this.#sql.get(
      `SELECT ${COLUMNS} FROM provider_keys WHERE team_id = $1 AND provider = $2`,
      [teamId, provider],
    );
  }

  listProviderKeys(teamId: string): Promise<ProviderKeyRow[]> {
    return this.#sql.all(
      `SELECT ${COLUMNS} FROM provider_keys WHERE team_id = $1 ORDER BY provider`,
      [teamId],
    );
  }

  async deleteProviderKey(teamId: string, provider: string): Promise<boolean> {
    const { changes } = await this.#sql.run(
      'DELETE FROM provider_keys WHERE team_id = $1 AND provider = $2',
      [teamId, provider],
    );
    return changes > 0;
  }
}
