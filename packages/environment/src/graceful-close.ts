import type net from 'node:net';

/** How long a closing connection waits for the peer to end its side before it is dropped, ms. */
const LINGER_MS = 1000;

/**
 * Sends what is queued (plus `lastWords`), ends our side, and closes fully once the peer ends its side or
 * after a short linger. Input that keeps arriving is read and dropped meanwhile: closing a socket with
 * unread input makes the kernel send a reset, which can destroy our last frame (an error reply) before the
 * peer reads it.
 */
export function closeGracefully(socket: net.Socket, lastWords?: string): void {
  if (socket.destroyed) return;
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.once('end', () => socket.destroy());
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
  if (lastWords === undefined) socket.end();
  else socket.end(lastWords);
}
