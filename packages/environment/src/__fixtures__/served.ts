import type { Environment } from '../environment.js';
import { bind, type ControlServer, type ServeOptions, serve } from '../server.js';
import { DEADLINE_MS, WireClient } from './wire-client.js';

const open: (() => Promise<void>)[] = [];

/** Closes every server and client opened through this module (call from `afterEach`). */
export async function closeAll(): Promise<void> {
  for (const close of open.splice(0).reverse()) await close();
}

/** A bound (`bind`) or served (`serve`, hooks run) environment, closed by {@link closeAll}. */
export interface Served {
  server: ControlServer;
  port: number;
  /** A new raw client connection to the control port. */
  connect(): Promise<WireClient>;
}

async function track(server: ControlServer): Promise<Served> {
  open.push(() => server.close());
  return {
    server,
    port: server.port,
    async connect() {
      const client = await WireClient.connect(server.port, { deadlineMs: DEADLINE_MS });
      open.push(async () => client.destroy());
      return client;
    },
  };
}

/** `serve(env, options)` on 127.0.0.1: runs the initialize hooks, then binds. */
export async function served(env: Environment, options: ServeOptions = {}): Promise<Served> {
  return track(await serve(env, { host: '127.0.0.1', ...options }));
}

/** `bind(env, options)` on 127.0.0.1: no hooks. */
export async function bound(env: Environment, options: ServeOptions = {}): Promise<Served> {
  return track(await bind(env, { host: '127.0.0.1', ...options }));
}

/** Normalises what varies between runs in a wire line: session ids and non-fixed ports. */
export function normalized(line: string): string {
  return line
    .replace(/sess-[0-9a-f]{8}/g, 'sess-XXXXXXXX')
    .replace(/127\.0\.0\.1:\d{2,5}/g, '127.0.0.1:PORT');
}
