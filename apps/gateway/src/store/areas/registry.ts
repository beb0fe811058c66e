import { newUuid, nowIso } from '../../ids.js';
import { placeholders, type Sql } from '../sql.js';

/**
 * An environment in the registry (`GET /v2/registry`): hud-python's `hud sync env` reads `id`, `name`
 * (or `name_display`) and `latest_version`. Builds (a later part) fill `latest_version` and `image`; an
 * environment first named by a task upload has neither yet.
 */
export interface EnvironmentRecord {
  id: string;
  name: string;
  latest_version: string | null;
  image: string | null;
  created_at: string;
  updated_at: string;
}

/** The environment registry of each team. */
export interface RegistryStore {
  /** Environments, most recently updated first; `search` keeps names containing it (case-insensitive). */
  listEnvironments(input: {
    teamId: string;
    search?: string;
    limit: number;
  }): Promise<EnvironmentRecord[]>;
  /** One environment by id. */
  getEnvironment(teamId: string, id: string): Promise<EnvironmentRecord | undefined>;
  /** One environment by name. */
  findEnvironmentByName(teamId: string, name: string): Promise<EnvironmentRecord | undefined>;
}

const COLUMNS = 'id, name, latest_version, image, created_at, updated_at';

/**
 * Creates the environments of `names` that `teamId` does not have yet, inside the caller's transaction.
 * Returns the names created now.
 */
export async function ensureEnvironments(
  tx: Sql,
  teamId: string,
  names: readonly string[],
): Promise<string[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  const existing = new Set(
    (
      await tx.all<{ name: string }>(
        `SELECT name FROM environments WHERE team_id = $1 AND name IN (${placeholders(unique.length, 2)})`,
        [teamId, ...unique],
      )
    ).map((row) => row.name),
  );
  const missing = unique.filter((name) => !existing.has(name));
  const now = nowIso();
  await tx.insertMany(
    'environments',
    ['id', 'team_id', 'name', 'created_at', 'updated_at'],
    missing.map((name) => [newUuid(), teamId, name, now, now]),
    'ON CONFLICT (team_id, name) DO NOTHING',
  );
  return missing;
}

/** The SQL implementation of {@link RegistryStore}. */
export class SqlRegistryStore implements RegistryStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  listEnvironments(input: {
    teamId: string;
    search?: string;
    limit: number;
  }): Promise<EnvironmentRecord[]> {
    return input.search
      ? this.#sql.all(
          `SELECT ${COLUMNS} FROM environments WHERE team_id = $1 AND lower(name) LIKE $2
            ORDER BY updated_at DESC, name LIMIT $3`,
          [input.teamId, `%${input.search.toLowerCase().replace(/[%_\\]/g, '')}%`, input.limit],
        )
      : this.#sql.all(
          `SELECT ${COLUMNS} FROM environments WHERE team_id = $1 ORDER BY updated_at DESC, name LIMIT $2`,
          [input.teamId, input.limit],
        );
  }

  getEnvironment(teamId: string, id: string): Promise<EnvironmentRecord | undefined> {
    return this.#sql.get(`SELECT ${COLUMNS} FROM environments WHERE team_id = $1 AND id = $2`, [
      teamId,
      id,
    ]);
  }

  findEnvironmentByName(teamId: string, name: string): Promise<EnvironmentRecord | undefined> {
    return this.#sql.get(`SELECT ${COLUMNS} FROM environments WHERE team_id = $1 AND name = $2`, [
      teamId,
      name,
    ]);
  }
}
