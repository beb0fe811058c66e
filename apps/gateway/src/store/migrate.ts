import { nowIso } from '../ids.js';
import type { Sql } from './sql.js';

/** One schema step: applied once, in `id` order, inside a transaction. */
export interface Migration {
  id: number;
  name: string;
  /** Statements without parameters, separated by `;`. */
  sql: string;
}

/** An arbitrary constant: the advisory lock that keeps two gateways from migrating one database at once. */
const POSTGRES_MIGRATION_LOCK = 7_600_001;

/**
 * Brings the database up to `migrations`: creates `schema_migrations` when missing, then applies every
 * migration not yet recorded there, all in one transaction (SQLite `BEGIN IMMEDIATE`; PostgreSQL under an
 * advisory lock, so gateways starting together against one database migrate it once). Returns the ids
 * applied now.
 * @throws the database's error when a migration fails; nothing of the run is kept.
 */
export async function migrate(sql: Sql, migrations: readonly Migration[]): Promise<number[]> {
  return sql.tx(async (tx) => {
    if (tx.dialect === 'postgres') {
      await tx.get('SELECT pg_advisory_xact_lock($1)', [POSTGRES_MIGRATION_LOCK]);
    }
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const done = new Set(
      (await tx.all<{ id: number }>('SELECT id FROM schema_migrations')).map((row) => row.id),
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
      if (done.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.run('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [
        migration.id,
        migration.name,
        nowIso(),
      ]);
      applied.push(migration.id);
    }
    return applied;
  });
}
