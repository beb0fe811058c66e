import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type BuildStore, SqlBuildStore } from './areas/builds.js';
import { type CancelStore, SqlCancelStore } from './areas/cancels.js';
import { type DeviceStore, SqlDeviceStore } from './areas/devices.js';
import { type JobStore, SqlJobStore } from './areas/jobs.js';
import { type KeyStore, SqlKeyStore } from './areas/keys.js';
import { type ModelStore, SqlModelStore } from './areas/models.js';
import { type ProviderKeyStore, SqlProviderKeyStore } from './areas/provider-keys.js';
import { type QaStore, SqlQaStore } from './areas/qa.js';
import { type RegistryStore, SqlRegistryStore } from './areas/registry.js';
import { type RolloutQueueStore, SqlRolloutQueueStore } from './areas/rollout-queue.js';
import { SqlTasksetStore, type TasksetStore } from './areas/tasksets.js';
import { SqlTelemetryStore, type TelemetryStore } from './areas/telemetry.js';
import { SqlUsageStore, type UsageStore } from './areas/usage.js';
import { migrate } from './migrate.js';
import { POSTGRES_MIGRATIONS } from './migrations/postgres.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.js';
import { MODEL_CATALOG } from './model-catalog.js';
import { PostgresSql } from './postgres-sql.js';
import type { Dialect, Sql } from './sql.js';
import { SqliteSql } from './sqlite-sql.js';

/**
 * The gateway's one repository, split per area (each area an interface of its own, so a later part adds
 * one — builds, the rollout queue — without touching the others). Every write is committed before its
 * method resolves: a route answers only after the data is durable.
 */
export interface GatewayStore {
  readonly dialect: Dialect;
  readonly keys: KeyStore;
  readonly devices: DeviceStore;
  readonly telemetry: TelemetryStore;
  readonly jobs: JobStore;
  readonly cancels: CancelStore;
  readonly tasksets: TasksetStore;
  readonly registry: RegistryStore;
  readonly models: ModelStore;
  /** Environment builds (`/v2/builds/*`). */
  readonly builds: BuildStore;
  /** LLM usage per request (the LLM gateway). */
  readonly usage: UsageStore;
  /** Teams' own provider keys (BYOK), stored encrypted. */
  readonly providerKeys: ProviderKeyStore;
  /** The queue of hosted rollouts and workers' leases (`/v2/rollouts/submit`, `/v2/workers/*`). */
  readonly rolloutQueue: RolloutQueueStore;
  /** QA agents, their results (verdicts) and taskset QA columns (`/v2/qa-agents/*`). */
  readonly qa: QaStore;
  /** Closes the database connection (or pool). */
  close(): Promise<void>;
}

/** Where the store lives: a SQLite file (`:memory:` for a private in-memory database) or PostgreSQL. */
export type StoreLocation = { sqlite: string } | { postgres: string };

/** The file name of the SQLite database inside a gateway's data dir. */
export const SQLITE_FILE = 'gateway.db';

/** Every area of the store over one connection (or pool). */
function sqlGatewayStore(sql: Sql): GatewayStore {
  return {
    dialect: sql.dialect,
    keys: new SqlKeyStore(sql),
    devices: new SqlDeviceStore(sql),
    telemetry: new SqlTelemetryStore(sql),
    jobs: new SqlJobStore(sql),
    cancels: new SqlCancelStore(sql),
    tasksets: new SqlTasksetStore(sql),
    registry: new SqlRegistryStore(sql),
    models: new SqlModelStore(sql),
    builds: new SqlBuildStore(sql),
    usage: new SqlUsageStore(sql),
    providerKeys: new SqlProviderKeyStore(sql),
    rolloutQueue: new SqlRolloutQueueStore(sql),
    qa: new SqlQaStore(sql),
    close: () => sql.close(),
  };
}

/**
 * Opens the store at `location`, applies the dialect's pending migrations and refreshes the built-in model
 * catalog. A SQLite file's directory is created when missing.
 * @throws the database's error when it cannot be opened, reached or migrated (the connection is closed).
 * @example
 * const store = await openStore({ sqlite: '/tmp/gw/gateway.db' });
 * const store = await openStore({ postgres: 'postgres://postgres@127.0.0.1:5432/hud' });
 */
export async function openStore(location: StoreLocation): Promise<GatewayStore> {
  let sql: Sql;
  if ('sqlite' in location) {
    if (location.sqlite !== ':memory:') {
      mkdirSync(path.dirname(location.sqlite), { recursive: true, mode: 0o700 });
    }
    sql = SqliteSql.open(location.sqlite);
  } else {
    sql = PostgresSql.open(location.postgres);
  }
  try {
    await migrate(sql, sql.dialect === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS);
    const store = sqlGatewayStore(sql);
    await store.models.seedCatalog(MODEL_CATALOG);
    return store;
  } catch (error) {
    await sql.close().catch(() => {});
    throw error;
  }
}
