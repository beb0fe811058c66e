import { connect, type Socket } from 'node:net';
import type { ControlEndpoint } from './client-options.js';
import { HudError } from './errors.js';

/** Options of {@link connectSocket}. */
export interface ConnectSocketOptions {
  /** Gives up after this many ms with HudError `timeout` (default: the OS connect timeout). */
  timeoutMs?: number;
  /** Aborts the attempt; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Opens a TCP connection with half-close allowed (a peer's EOF leaves our side writable, as asyncio streams
 * do) and Nagle off. Rejects with the socket error (`ECONNREFUSED`, ...) when the connect fails.
 */
export function connectSocket(
  endpoint: ControlEndpoint,
  options: ConnectSocketOptions = {},
): Promise<Socket> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    let timer: NodeJS.Timeout | undefined;
    const settle = (error?: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', settle);
      socket.off('connect', onConnect);
      if (error === undefined) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(error);
      }
    };
    const onConnect = () => settle();
    const onAbort = () => settle(signal?.reason);
    socket.once('connect', onConnect);
    socket.once('error', settle);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () =>
          settle(
            new HudError(
              'timeout',
              `connect to ${endpoint.host}:${endpoint.port} timed out after ${timeoutMs} ms`,
            ),
          ),
        Math.max(1, timeoutMs),
      );
    }
  });
}

/**
 * Closes a socket the way asyncio's `writer.close()` does: flush what was written, send FIN, then release
 * the descriptor without waiting for the peer. Falls back to `destroy()` after `graceMs` if the flush stalls.
 * Resolves once the socket has closed.
 */
export function closeSocket(socket: Socket, graceMs = 2_000): Promise<void> {
  if (socket.closed) return Promise.resolve();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  if (socket.destroyed) return closed;
  if (socket.writableFinished || socket.pending || socket.connecting) {
    socket.destroy();
    return closed;
  }
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('finish', () => socket.destroy());
  if (!socket.writableEnded) socket.end();
  return closed;
}
