// Test helpers: a fresh store per test on either dialect.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { type GatewayStore, openStore, SQLITE_FILE } from '../store/store.js';

/** The dialects the contract suite runs on. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

/** Why the PostgreSQL half skips ('' when it runs). */
export function postgresSkip(): string {
  return inject('postgresSkip');
}

/** A new empty database in the test cluster; its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const admin = inject('postgresUrl');
  if (!admin) throw new Error(`PostgreSQL is unavailable: ${postgresSkip()}`);
  const name = `gw_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh data dir (for SQLite) that `cleanup` removes. */
export async function freshDataDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hud-gateway-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Where a fresh store of `dialect` lives. */
export async function freshLocation(
  dialect: TestDialect,
): Promise<{ location: { sqlite: string } | { postgres: string }; cleanup: () => Promise<void> }> {
  if (dialect === 'postgres') {
    return { location: { postgres: await freshPostgresUrl() }, cleanup: async () => {} };
  }
  const { dir, cleanup } = await freshDataDir();
  return { location: { sqlite: path.join(dir, SQLITE_FILE) }, cleanup };
}

/** A fresh, migrated store of `dialect`, closed and removed by the returned `close`. */
export async function freshStore(dialect: TestDialect): Promise<GatewayStore & AsyncDisposable> {
  const { location, cleanup } = await freshLocation(dialect);
  const store = await openStore(location);
  const closeStore = store.close.bind(store);
  const close = async () => {
    await closeStore();
    await cleanup();
  };
  return Object.assign(store, { close, [Symbol.asyncDispose]: close });
}

/** What a suite of {@link describeEachDialect} reads: the store of its dialect (set before its tests run). */
export interface DialectSuite {
  readonly dialect: TestDialect;
  /** Why this dialect's tests skip ('' when they run): pass to `it.skipIf`. */
  readonly skip: string;
  /** The suite's fresh store, opened before its first test and closed after its last. */
  store: GatewayStore;
}

/**
 * `describe.each(DIALECTS)` with one fresh store per dialect: `title` takes `%s` for the dialect; `body`
 * declares the tests over `suite.store` and marks them `it.skipIf(suite.skip)`.
 */
export function describeEachDialect(title: string, body: (suite: DialectSuite) => void): void {
  describe.each(DIALECTS)(title, (dialect) => {
    const skip = dialect === 'postgres' ? postgresSkip() : '';
    const suite = { dialect, skip } as DialectSuite;
    beforeAll(async () => {
      if (!skip) suite.store = await freshStore(dialect);
    });
    afterAll(async () => {
      if (!skip) await suite.store.close();
    });
    body(suite);
  });
}
