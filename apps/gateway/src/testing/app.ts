// Test helper: the gateway app over a fresh store, driven with fastify's inject (no socket needed).
import { PassThrough } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { generateKey, hashKey, keyPrefix } from '../api-keys.js';
import { createGatewayApp, type GatewayAppOptions } from '../app.js';
import type { KeyRole } from '../store/areas/keys.js';
import type { GatewayStore } from '../store/store.js';
import { freshStore, type TestDialect } from './databases.js';

/** A response as the tests read it. */
export interface TestResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field.
  body: any;
  text: string;
  headers: Record<string, unknown>;
}

/** A gateway app over a fresh store with an admin key of team `default`. */
export interface TestGateway extends AsyncDisposable {
  app: FastifyInstance;
  store: GatewayStore;
  adminKey: string;
  /** Everything the app logged (JSON lines). */
  logs: () => string;
  /** A new key of `team` with `role`. */
  mintKey(options?: { team?: string; role?: KeyRole; name?: string }): Promise<string>;
  /** One request; `key` becomes `Authorization: Bearer …` (pass null for none). */
  call(
    method: InjectOptions['method'],
    url: string,
    options?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<TestResponse>;
}

/** The disposers of test gateways not yet disposed. */
const openGateways = new Set<() => Promise<void>>();

/** Disposes every test gateway still open: `afterEach(disposeTestGateways)`. */
export async function disposeTestGateways(): Promise<void> {
  await Promise.all([...openGateways].map((close) => close()));
}

/** Starts the app (not listening) over a fresh `dialect` store; {@link disposeTestGateways} closes it. */
export async function testGateway(
  options: { dialect?: TestDialect } & Omit<GatewayAppOptions, 'store' | 'logStream'> = {},
): Promise<TestGateway> {
  const store = await freshStore(options.dialect ?? 'sqlite');
  const logStream = new PassThrough();
  let logText = '';
  logStream.on('data', (chunk: Buffer) => {
    logText += chunk.toString('utf8');
  });
  const app = createGatewayApp({ ...options, store, logStream });
  await app.ready();
  const mintKey = async (
    keyOptions: { team?: string; role?: KeyRole; name?: string } = {},
  ): Promise<string> => {
    const team = await store.keys.ensureTeam(keyOptions.team ?? 'default');
    const key = generateKey();
    await store.keys.createKey({
      teamId: team.id,
      name: keyOptions.name ?? 'test',
      role: keyOptions.role ?? 'member',
      keyHash: hashKey(key),
      prefix: keyPrefix(key),
    });
    return key;
  };
  const adminKey = await mintKey({ role: 'admin', name: 'admin' });
  const close = async () => {
    openGateways.delete(close);
    await app.close();
    await store[Symbol.asyncDispose]();
  };
  openGateways.add(close);
  return {
    app,
    store,
    adminKey,
    logs: () => logText,
    mintKey,
    async call(method, url, callOptions = {}) {
      const key = callOptions.key === undefined ? adminKey : callOptions.key;
      const headers: Record<string, string> = { ...callOptions.headers };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      const response = await app.inject({
        method,
        url,
        headers,
        ...(callOptions.body === undefined ? {} : { payload: callOptions.body as string }),
      });
      let body: unknown;
      try {
        body = response.json();
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, body, text: response.body, headers: response.headers };
    },
    [Symbol.asyncDispose]: close,
  };
}
