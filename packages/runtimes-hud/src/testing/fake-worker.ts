// Test helper: a minimal worker for runtime sessions over real sockets (claim, control WebSocket, one
// connection WebSocket per tunnel piped to the substrate's TCP port). The real one is `hud worker`.
import net from 'node:net';
import { pipeline } from 'node:stream';

import WebSocket, { createWebSocketStream } from 'ws';

/** A started substrate: its control port and how to stop it. */
export interface Substrate {
  port: number;
  stop(): Promise<void>;
}

/** A running fake worker. */
export interface FakeWorker {
  /** Substrates started / stopped so far. */
  readonly started: number;
  readonly stopped: number;
  /** Control sockets of the sessions it serves (to simulate losing the worker). */
  readonly controls: Map<string, WebSocket>;
  stop(): Promise<void>;
}

const noop = () => {};
let workers = 0;

/** Claims sessions at `url` with `key` and serves each with `start(environment)`. */
export function fakeWorker(options: {
  url: string;
  key: string;
  start: (environment: string) => Promise<Substrate>;
  /** Waited for before reporting ready (to hold a session in `starting`). */
  beforeReady?: () => Promise<void>;
}): FakeWorker {
  const abort = new AbortController();
  const workerId = `fake-${++workers}`;
  const controls = new Map<string, WebSocket>();
  const counts = { started: 0, stopped: 0 };
  const ws = options.url.replace(/^http/, 'ws');
  const headers = { authorization: `Bearer ${options.key}` };
  const serve = async (session: { session_id: string; environment: { name: string } }) => {
    const id = session.session_id;
    const control = new WebSocket(`${ws}/v2/workers/sessions/${id}/control`, { headers });
    control.on('error', noop);
    await new Promise((resolve, reject) => {
      control.once('open', resolve);
      control.once('error', reject);
    });
    controls.set(id, control);
    let substrate: Substrate;
    try {
      substrate = await options.start(session.environment.name);
    } catch (error) {
      await fetch(`${options.url}/v2/workers/sessions/${id}/failed`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ error: String(error) }),
      });
      return;
    }
    counts.started++;
    control.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { connect?: string };
      if (!message.connect) return;
      const socket = new WebSocket(
        `${ws}/v2/workers/sessions/${id}/connections/${message.connect}`,
        {
          headers,
        },
      );
      socket.on('error', noop);
      const stream = createWebSocketStream(socket);
      stream.on('error', noop);
      const tcp = net.connect(substrate.port, '127.0.0.1');
      tcp.on('error', noop);
      pipeline(stream, tcp, noop);
      pipeline(tcp, stream, noop);
    });
    control.once('close', () => {
      controls.delete(id);
      void substrate.stop().then(() => counts.stopped++);
    });
    await options.beforeReady?.();
    await fetch(`${options.url}/v2/workers/sessions/${id}/ready`, { method: 'POST', headers });
  };
  const loop = (async () => {
    while (!abort.signal.aborted) {
      const response = await fetch(`${options.url}/v2/workers/sessions/claim`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ worker_id: workerId, capacity: 8, wait_s: 0 }),
        signal: abort.signal,
      }).catch(() => undefined);
      if (!response) continue;
      const { sessions } = (await response.json()) as {
        sessions: { session_id: string; environment: { name: string } }[];
      };
      for (const session of sessions) void serve(session).catch(noop);
      // Short polls: a stopped worker leaves no long-poll behind to claim the next test's session.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    get started() {
      return counts.started;
    },
    get stopped() {
      return counts.stopped;
    },
    controls,
    async stop() {
      abort.abort();
      await loop;
      for (const control of controls.values()) control.close();
    },
  };
}
