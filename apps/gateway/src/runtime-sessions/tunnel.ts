import { type Duplex, pipeline } from 'node:stream';
import { createWebSocketStream, type WebSocket } from 'ws';
import { messageOf } from '../errors.js';
import { closeReason, type RuntimeSession, type TunnelEntry } from './session.js';
import type { RuntimeSessions } from './session-registry.js';

const noop = () => {};

/** Resolves once the session is ready; rejects when it ends, `timeoutMs` passes, or `client` closes. */
function whenReady(session: RuntimeSession, timeoutMs: number, client: WebSocket): Promise<void> {
  if (session.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `session ${session.id} was not ready within ${timeoutMs / 1000} s (no worker started environment '${session.environment}')`,
          ),
        ),
      timeoutMs,
    );
    const onClose = () => reject(new Error('the client closed the tunnel'));
    client.once('close', onClose);
    session.ready.promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      client.off('close', onClose);
    });
  });
}

/**
 * Pipes two WebSocket byte streams both ways with backpressure (a side that cannot keep up pauses the
 * other's socket); either side closing or failing closes the other.
 */
function pipeBoth(a: Duplex, b: Duplex): void {
  pipeline(a, b, noop);
  pipeline(b, a, noop);
}

/**
 * Serves one client tunnel (`GET /runtime/tunnels/{id}` upgraded): buffers what the client sends, waits
 * until the session is ready (up to `readyTimeoutMs`), asks the worker for a connection, then pipes raw
 * bytes both ways (a client text frame travels as its UTF-8 bytes). A failure closes the client's socket
 * with 1011 and the reason; the client closing closes only this connection. Call synchronously from the
 * WebSocket handler, so no early frame is lost.
 */
export function serveTunnel(sessions: RuntimeSessions, session: RuntimeSession, client: WebSocket) {
  client.on('error', noop);
  const clientStream = createWebSocketStream(client);
  clientStream.on('error', noop);
  if (session.status === 'ended') {
    client.close(1011, closeReason(`session ${session.id} ended: ${session.error}`));
    return;
  }
  const entry: TunnelEntry = { client, worker: undefined };
  sessions.addTunnel(session, entry);
  client.once('close', () => sessions.dropTunnel(session, entry));
  const connect = async () => {
    await whenReady(session, sessions.options.readyTimeoutMs, client);
    const worker = await sessions.requestConnection(session);
    worker.stream.on('error', noop);
    if (client.readyState !== client.OPEN) {
      worker.socket.close();
      return;
    }
    entry.worker = worker.socket;
    pipeBoth(clientStream, worker.stream);
  };
  connect().catch((error: unknown) => {
    if (client.readyState === client.OPEN || client.readyState === client.CONNECTING) {
      client.close(1011, closeReason(messageOf(error)));
    }
  });
}
