import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS,
  freshDataDir,
  freshLocation,
  freshPostgresUrl,
  postgresSkip,
  type TestDialect,
} from '../../testing/databases.js';
import { migrate } from '../migrate.js';
import { POSTGRES_MIGRATIONS } from '../migrations/postgres.js';
import { SQLITE_MIGRATIONS } from '../migrations/sqlite.js';
import { PostgresSql } from '../postgres-sql.js';
import type { Sql } from '../sql.js';
import { SqliteSql } from '../sqlite-sql.js';
import { openStore } from '../store.js';

async function openSql(dialect: TestDialect): Promise<{ sql: Sql; cleanup: () => Promise<void> }> {
  if (dialect === 'postgres') {
    const sql = PostgresSql.open(await freshPostgresUrl());
    return { sql, cleanup: () => sql.close() };
  }
  const { dir, cleanup } = await freshDataDir();
  const sql = SqliteSql.open(path.join(dir, 'test.db'));
  return {
    sql,
    cleanup: async () => {
      await sql.close();
      await cleanup();
    },
  };
}

describe.each(DIALECTS)('the SQL layer on %s', (dialect) => {
  const skip = dialect === 'postgres' ? postgresSkip() : '';
  let sql: Sql;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (skip) return;
    ({ sql, cleanup } = await openSql(dialect));
    await sql.exec('CREATE TABLE items (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  });
  afterAll(async () => {
    if (!skip) await cleanup();
  });

  it.skipIf(skip)('a transaction that throws leaves nothing behind', async () => {
    await expect(
      sql.tx(async (tx) => {
        await tx.run('INSERT INTO items (k, n) VALUES ($1, $2)', ['rolled-back', 1]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await sql.get('SELECT k FROM items WHERE k = $1', ['rolled-back'])).toBeUndefined();
    await sql.tx((tx) => tx.run('INSERT INTO items (k, n) VALUES ($1, $2)', ['kept', 1]));
    expect(await sql.get('SELECT k, n FROM items WHERE k = $1', ['kept'])).toEqual({
      k: 'kept',
      n: 1,
    });
  });

  it.skipIf(skip)(
    'a write outside a transaction never joins another one that rolls back',
    async () => {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered: () => void = () => {};
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const failing = sql.tx(async (tx) => {
        await tx.run('INSERT INTO items (k, n) VALUES ($1, $2)', ['inside', 1]);
        entered();
        await held;
        throw new Error('rolled back');
      });
      await inside;
      // Another request's write while the transaction is open: acknowledged, so it must survive.
      const outside = sql.run('INSERT INTO items (k, n) VALUES ($1, $2)', ['outside', 1]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      release();
      await expect(failing).rejects.toThrow('rolled back');
      await outside;
      expect(await sql.get('SELECT k FROM items WHERE k = $1', ['outside'])).toEqual({
        k: 'outside',
      });
      expect(await sql.get('SELECT k FROM items WHERE k = $1', ['inside'])).toBeUndefined();
    },
  );

  it.skipIf(skip)('insertMany counts only the rows it inserted', async () => {
    const rows = Array.from({ length: 250 }, (_, index) => [`many-${index}`, index]);
    expect(await sql.insertMany('items', ['k', 'n'], rows, 'ON CONFLICT (k) DO NOTHING')).toBe(250);
    expect(await sql.insertMany('items', ['k', 'n'], rows, 'ON CONFLICT (k) DO NOTHING')).toBe(0);
    const row = await sql.get<{ c: number }>(
      "SELECT CAST(count(*) AS INTEGER) AS c FROM items WHERE k LIKE 'many-%'",
    );
    expect(row?.c).toBe(250);
  });

  it.skipIf(skip)('tells a unique violation from other errors', async () => {
    const duplicate = await sql
      .run('INSERT INTO items (k, n) VALUES ($1, $2)', ['kept', 2])
      .catch((error: unknown) => error);
    expect(sql.isUniqueViolation(duplicate)).toBe(true);
    const other = await sql.run('SELECT nope FROM items').catch((error: unknown) => error);
    expect(other).toBeInstanceOf(Error);
    expect(sql.isUniqueViolation(other)).toBe(false);
  });

  it.skipIf(skip)('concurrent transactions on one row serialise (no lost update)', async () => {
    await sql.run('INSERT INTO items (k, n) VALUES ($1, 0)', ['counter']);
    const bump = () =>
      sql.tx(async (tx) => {
        const row = await tx.get<{ n: number }>(
          `UPDATE items SET n = n + 1 WHERE k = $1 RETURNING n`,
          ['counter'],
        );
        // Yield mid-transaction: another transaction must not slip in on this connection.
        await new Promise((resolve) => setTimeout(resolve, 1));
        await tx.run('UPDATE items SET n = $2 WHERE k = $1', ['counter', row?.n ?? -1]);
      });
    await Promise.all(Array.from({ length: 20 }, bump));
    expect(await sql.get('SELECT n FROM items WHERE k = $1', ['counter'])).toEqual({ n: 20 });
  });

  it.skipIf(skip)('migrations apply once, and a second run applies none', async () => {
    const { sql: fresh, cleanup: done } = await openSql(dialect);
    try {
      const migrations = dialect === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS;
      expect(await migrate(fresh, migrations)).toEqual(migrations.map((m) => m.id));
      expect(await migrate(fresh, migrations)).toEqual([]);
    } finally {
      await done();
    }
  });
});

describe('the two migration sets', () => {
  it('declare the same tables and columns', () => {
    const shape = (sql: string) =>
      sql
        .replaceAll(' COLLATE "C"', '')
        .replaceAll('DOUBLE PRECISION', 'REAL')
        .replace(/\s+/g, ' ')
        .trim();
    expect(POSTGRES_MIGRATIONS.map((m) => [m.id, shape(m.sql)])).toEqual(
      SQLITE_MIGRATIONS.map((m) => [m.id, shape(m.sql)]),
    );
  });
});

describe.each(DIALECTS)('opening a store on %s', (dialect) => {
  const skip = dialect === 'postgres' ? postgresSkip() : '';
  it.skipIf(skip)('twice on one database keeps the data and the seeded catalog once', async () => {
    const { location, cleanup } = await freshLocation(dialect);
    const first = await openStore(location);
    const team = await first.keys.ensureTeam('t');
    await first.close();
    const second = await openStore(location);
    try {
      expect((await second.keys.ensureTeam('t')).id).toBe(team.id);
      const names = (await second.models.listModels(team.id)).map((model) => model.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toContain('claude-sonnet-4-6');
    } finally {
      await second.close();
      await cleanup();
    }
  });
});
