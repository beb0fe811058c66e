import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { pipeline } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';

/** A local TCP listener whose every connection is tunnelled over its own WebSocket. */
export interface TunnelListener {
  /** The port on 127.0.0.1. */
  readonly port: number;
  /** How many tunnelled connections are open. */
  readonly open: number;
  /** Stops listening and closes every open connection and its WebSocket. Idempotent. */
  close(): Promise<void>;
}

const noop = () => {};

/**
 * Listens on `127.0.0.1:0`; each accepted connection opens a WebSocket to `tunnelUrl` with the Bearer
 * key and the bytes are piped both ways with backpressure (each TCP chunk a binary frame; a text frame from
 * the gateway is written as its UTF-8 bytes). The TCP connection closes when its WebSocket closes or
 * fails (a refused upgrade: 401, 404), and the other way round. A tunnel the gateway closes with a reason
 * starting `session ended` (1000 after a DELETE, 1011 after a failure) calls `onSessionEnded(reason)`.
 */
export async function listenTunnels(options: {
  tunnelUrl: string;
  apiKey: string;
  onSessionEnded: (reason: string) => void;
}): Promise<TunnelListener> {
  const open = new Set<{ tcp: net.Socket; socket: WebSocket }>();
  const server = net.createServer((tcp) => {
    tcp.setNoDelay(true);
    tcp.on('error', noop);
    const socket = new WebSocket(options.tunnelUrl, {
      headers: { authorization: `Bearer ${options.apiKey}` },
      perMessageDeflate: false,
    });
    socket.on('error', noop);
    const entry = { tcp, socket };
    open.add(entry);
    socket.once('close', (_code, reason) => {
      open.delete(entry);
      const text = reason.toString();
      if (text.startsWith('session ended')) options.onSessionEnded(text);
    });
    tcp.once('close', () => open.delete(entry));
    const stream = createWebSocketStream(socket);
    stream.on('error', noop);
    pipeline(tcp, stream, noop);
    pipeline(stream, tcp, noop);
  });
  server.on('error', noop);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    get open() {
      return open.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const { tcp, socket } of open) {
          socket.terminate();
          tcp.destroy();
        }
        open.clear();
      });
      return closing;
    },
  };
}
