import { newUuid, nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';

/** What a key may do: `admin` also manages keys (any team's); `member` uses the API for its team. */
export type KeyRole = 'admin' | 'member';

/** A team: the scope of every job, trace, taskset, environment and forked model. */
export interface TeamRecord {
  id: string;
  name: string;
  created_at: string;
}

/** An API key as listed (never its secret; `prefix` is its first characters, to recognise it). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  team_id: string;
  team_name: string;
  role: KeyRole;
  prefix: string;
  created_at: string;
  /** ISO-8601 time of revocation, or null while the key works. */
  revoked_at: string | null;
  /** LLM requests per minute this key may make (null: no limit). */
  requests_per_minute: number | null;
  /** LLM tokens (input + output) per minute this key may use (null: no limit). */
  tokens_per_minute: number | null;
  /** USD this key may spend on LLM calls in all, at the catalog's prices (null: no budget). */
  budget_usd: number | null;
  /** LLM tokens (input + output) this key may use in all (null: no budget). */
  budget_tokens: number | null;
}

/**
 * The LLM limits of a key (see {@link ApiKeyRecord}): a number sets one, null removes it; in a
 * {@link KeyStore.setKeyLimits} patch a missing field keeps the stored value.
 */
export interface KeyLimits {
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
  budget_usd: number | null;
  budget_tokens: number | null;
}

/** The names of {@link KeyLimits}' fields, in column order. */
export const KEY_LIMIT_FIELDS = [
  'requests_per_minute',
  'tokens_per_minute',
  'budget_usd',
  'budget_tokens',
] as const satisfies readonly (keyof KeyLimits)[];

/** Teams and API keys. Keys are stored as SHA-256 hashes of the secret only. */
export interface KeyStore {
  /** The team named `name`, created when missing. */
  ensureTeam(name: string): Promise<TeamRecord>;
  /** Stores a new key (its hash) for `teamId`. */
  createKey(input: {
    teamId: string;
    name: string;
    role: KeyRole;
    keyHash: string;
    prefix: string;
    limits?: Partial<KeyLimits>;
  }): Promise<ApiKeyRecord>;
  /**
   * Changes a key's LLM limits (fields left out keep their value, null removes one); undefined when no
   * such key.
   */
  setKeyLimits(id: string, limits: Partial<KeyLimits>): Promise<ApiKeyRecord | undefined>;
  /** The key whose secret hashes to `keyHash` (revoked keys included), with its stored hash. */
  findKeyByHash(keyHash: string): Promise<(ApiKeyRecord & { key_hash: string }) | undefined>;
  /** One key by id. */
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Keys, newest first: all teams' or one team's; the rollout queue's per-lease keys (`lease:<trace_id>`) are left out. */
  listKeys(options?: { teamId?: string }): Promise<ApiKeyRecord[]>;
  /** Revokes a key (a second revoke keeps the first time); undefined when no such key. */
  revokeKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** How many keys exist, revoked included (0 on a fresh database: bootstrap time). */
  countKeys(): Promise<number>;
}

/** Leaves out the rollout queue's per-lease keys (named `lease:<trace_id>`). */
const NOT_LEASE = "k.name NOT LIKE 'lease:%'";

const KEY_COLUMNS = `k.id, k.name, k.team_id, t.name AS team_name, k.role, k.prefix, k.created_at, k.revoked_at,
  k.requests_per_minute, k.tokens_per_minute, k.budget_usd, k.budget_tokens`;

type KeyRow = Omit<ApiKeyRecord, keyof KeyLimits> & {
  [field in keyof KeyLimits]: number | string | null;
};

/** Every limit as a number (or null), whatever type the driver answers a column in. */
function toKey<Row extends KeyRow>(row: Row): Omit<Row, keyof KeyLimits> & KeyLimits {
  const limits = Object.fromEntries(
    KEY_LIMIT_FIELDS.map((field) => [field, row[field] === null ? null : Number(row[field])]),
  ) as unknown as KeyLimits;
  return { ...row, ...limits };
}

const limitValues = (limits: Partial<KeyLimits> = {}) =>
  KEY_LIMIT_FIELDS.map((field) => limits[field] ?? null);

/** The SQL implementation of {@link KeyStore}. */
export class SqlKeyStore implements KeyStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async ensureTeam(name: string): Promise<TeamRecord> {
    await this.#sql.run(
      'INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [newUuid(), name, nowIso()],
    );
    const team = await this.#sql.get<TeamRecord>(
      'SELECT id, name, created_at FROM teams WHERE name = $1',
      [name],
    );
    if (!team) throw new Error(`team ${name} vanished after insert`);
    return team;
  }

  async createKey(input: {
    teamId: string;
    name: string;
    role: KeyRole;
    keyHash: string;
    prefix: string;
    limits?: Partial<KeyLimits>;
  }): Promise<ApiKeyRecord> {
    const id = newUuid();
    await this.#sql.run(
      `INSERT INTO api_keys (id, team_id, name, role, key_hash, prefix, created_at, ${KEY_LIMIT_FIELDS.join(', ')})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        input.teamId,
        input.name,
        input.role,
        input.keyHash,
        input.prefix,
        nowIso(),
        ...limitValues(input.limits),
      ],
    );
    const key = await this.getKey(id);
    if (!key) throw new Error(`key ${id} vanished after insert`);
    return key;
  }

  async setKeyLimits(id: string, limits: Partial<KeyLimits>): Promise<ApiKeyRecord | undefined> {
    const fields = KEY_LIMIT_FIELDS.filter((field) => limits[field] !== undefined);
    if (fields.length > 0) {
      await this.#sql.run(
        `UPDATE api_keys SET ${fields.map((field, index) => `${field} = $${index + 2}`).join(', ')} WHERE id = $1`,
        [id, ...fields.map((field) => limits[field] ?? null)],
      );
    }
    return this.getKey(id);
  }

  async findKeyByHash(keyHash: string): Promise<(ApiKeyRecord & { key_hash: string }) | undefined> {
    const row = await this.#sql.get<KeyRow & { key_hash: string }>(
      `SELECT ${KEY_COLUMNS}, k.key_hash FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.key_hash = $1`,
      [keyHash],
    );
    return row ? toKey(row) : undefined;
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#sql.get<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.id = $1`,
      [id],
    );
    return row ? toKey(row) : undefined;
  }

  // Per-rollout lease keys (`lease:<trace_id>`, made and revoked by the rollout queue) are not listed.
  async listKeys(options: { teamId?: string } = {}): Promise<ApiKeyRecord[]> {
    const rows =
      options.teamId === undefined
        ? await this.#sql.all<KeyRow>(
            `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE ${NOT_LEASE} ORDER BY k.created_at DESC, k.id`,
          )
        : await this.#sql.all<KeyRow>(
            `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.team_id = $1 AND ${NOT_LEASE} ORDER BY k.created_at DESC, k.id`,
            [options.teamId],
          );
    return rows.map(toKey);
  }

  async revokeKey(id: string): Promise<ApiKeyRecord | undefined> {
    await this.#sql.run(
      'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, nowIso()],
    );
    return this.getKey(id);
  }

  async countKeys(): Promise<number> {
    const row = await this.#sql.get<{ n: number }>(
      'SELECT CAST(count(*) AS INTEGER) AS n FROM api_keys',
    );
    return row?.n ?? 0;
  }
}
