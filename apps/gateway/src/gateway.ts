import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { bootstrapKeyProblem, generateKey, hashKey, keyPrefix } from './api-keys.js';
import { createGatewayApp, type GatewayAppOptions } from './app.js';
import { GatewayError } from './errors.js';
import { SecretBox } from './llm/secret-box.js';
import { type GatewayStore, openStore, SQLITE_FILE } from './store/store.js';

/** Options of {@link startGateway}. */
export interface GatewayOptions extends Omit<GatewayAppOptions, 'store'> {
  /** Address to listen on (default `127.0.0.1`; another address is allowed: every route needs a key). */
  host?: string;
  /** Port (default 7600; 0 picks a free one, see `Gateway.url`). */
  port?: number;
  /**
   * Where the SQLite database (unused with `databaseUrl`) and the build contexts and logs (`builds/`) live
   * (default `~/.hud/gateway`).
   */
  dataDir?: string;
  /** `postgres://user[:password]@host:port/db`: use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /**
   * An admin key to accept (the bin reads `HUD_GATEWAY_BOOTSTRAP_KEY`): stored when the gateway does not
   * know it yet (never re-enabled once revoked), so scripts and tests start the gateway non-interactively.
   * At least 16 characters, no whitespace.
   */
  bootstrapKey?: string;
  /**
   * The secret teams' provider keys are sealed with (the bin reads `HUD_GATEWAY_SECRET`; any length, a
   * key is derived from it). Default: 32 random bytes generated once into `<dataDir>/secret.key` (0600).
   */
  secret?: string;
}

/** A running gateway. */
export interface Gateway extends AsyncDisposable {
  /** `http://host:port` it listens on. */
  readonly url: string;
  readonly port: number;
  /** Where the data lives: the SQLite file, or the PostgreSQL URL without its password. */
  readonly database: string;
  /** The admin key minted because the database had no key at all: shown once, print it now. */
  readonly adminKey: string | undefined;
  /** How the admin key came about: minted now, the bootstrap key stored now, or keys already there. */
  readonly bootstrap: 'generated' | 'bootstrap-key' | 'existing';
  readonly store: GatewayStore;
  readonly app: FastifyInstance;
  /** Stops listening (open connections are closed) and closes the database. */
  close(): Promise<void>;
}

/** `postgres://user@host:port/db` without the password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}

async function bootstrapAdmin(
  store: GatewayStore,
  bootstrapKey: string | undefined,
): Promise<{ adminKey: string | undefined; bootstrap: Gateway['bootstrap'] }> {
  if (bootstrapKey !== undefined) {
    const problem = bootstrapKeyProblem(bootstrapKey);
    if (problem) {
      throw new GatewayError('invalid_request', `the bootstrap key cannot be used: ${problem}`);
    }
    if (await store.keys.findKeyByHash(hashKey(bootstrapKey))) {
      return { adminKey: undefined, bootstrap: 'existing' };
    }
    const team = await store.keys.ensureTeam('default');
    await store.keys.createKey({
      teamId: team.id,
      name: 'bootstrap',
      role: 'admin',
      keyHash: hashKey(bootstrapKey),
      prefix: keyPrefix(bootstrapKey),
    });
    return { adminKey: undefined, bootstrap: 'bootstrap-key' };
  }
  if ((await store.keys.countKeys()) > 0) return { adminKey: undefined, bootstrap: 'existing' };
  const team = await store.keys.ensureTeam('default');
  const adminKey = generateKey();
  await store.keys.createKey({
    teamId: team.id,
    name: 'admin (first start)',
    role: 'admin',
    keyHash: hashKey(adminKey),
    prefix: keyPrefix(adminKey),
  });
  return { adminKey, bootstrap: 'generated' };
}

/**
 * Opens the store (SQLite in `dataDir`, or PostgreSQL at `databaseUrl`; migrated), makes sure an admin key
 * exists, and listens. The caller prints `url` and, when set, `adminKey`.
 * @throws GatewayError `invalid_request` for an unusable bootstrap key; the database's error when it
 *   cannot be opened; the listen error (e.g. `EADDRINUSE`). Nothing stays open after a throw.
 * @example
 * await using gateway = await startGateway({ port: 0, dataDir: '/tmp/gw', bootstrapKey: 'hud_test_key_0123' });
 * console.log(gateway.url);
 */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const dataDir = options.dataDir ?? path.join(homedir(), '.hud', 'gateway');
  const sqliteFile = path.join(dataDir, SQLITE_FILE);
  const store = await openStore(
    options.databaseUrl ? { postgres: options.databaseUrl } : { sqlite: sqliteFile },
  );
  let app: FastifyInstance | undefined;
  try {
    const { adminKey, bootstrap } = await bootstrapAdmin(store, options.bootstrapKey);
    const secretBox =
      options.secretBox ??
      (options.secret ? SecretBox.fromPassphrase(options.secret) : SecretBox.fromDataDir(dataDir));
    app = createGatewayApp({
      ...options,
      store,
      secretBox,
      builds: { dir: path.join(dataDir, 'builds'), ...options.builds },
    });
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 7600 });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const listening = app;
    const close = async () => {
      await listening.close();
      await store.close();
    };
    return {
      url: `http://${host}:${address.port}`,
      port: address.port,
      database: options.databaseUrl ? describeDatabaseUrl(options.databaseUrl) : sqliteFile,
      adminKey,
      bootstrap,
      store,
      app: listening,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await app?.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
}
