// Test helper: the worker side of runtime sessions done by hand over real sockets (claim, control socket,
// one connection WebSocket per tunnel bridged to a TCP port), and a TCP echo server as the substrate.

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { pipeline } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';

/** A TCP echo server on 127.0.0.1 standing in for a substrate's control port. */
export interface EchoSubstrate extends AsyncDisposable {
  port: number;
  /** Connections accepted so far (open or closed). */
  readonly sockets: net.Socket[];
  /** How many accepted connections are still open. */
  open(): number;
}

export async function echoSubstrate(): Promise<EchoSubstrate> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    open: () => sockets.filter((socket) => !socket.destroyed && !socket.closed).length,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A WebSocket to `url` with the Bearer header; resolves once open. @throws the handshake's failure. */
export function openSocket(url: string, key: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (request, response) => {
      response.resume();
      request.destroy();
      reject(new Error(`refused with ${response.statusCode}`));
    });
    socket.once('error', reject);
  });
}

/** Resolves the close code and reason of `socket`. */
export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve({ code: 0, reason: '' });
  return new Promise((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

/** The next message of `socket`, as bytes. */
export function nextMessage(socket: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data: Buffer) => resolve(data));
    socket.once('close', () => reject(new Error('closed before a message')));
  });
}

/**
 * A session's worker side, by hand: its control socket and the messages received on it; `bridge` opens
 * the connection WebSocket the gateway asked for and pipes it to `port`.
 */
export interface ManualWorker {
  control: WebSocket;
  /** Every control message so far, parsed. */
  messages: Record<string, unknown>[];
  /** Resolves the next control message. */
  next(): Promise<Record<string, unknown>>;
}

/** Opens the control socket of session `id` at `base` (`ws://…`) with `key`. */
export async function openControl(base: string, key: string, id: string): Promise<ManualWorker> {
  const control = await openSocket(`${base}/v2/workers/sessions/${id}/control`, key);
  const messages: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  control.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    messages.push(message);
    waiting.shift()?.(message);
  });
  return {
    control,
    messages,
    next: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
      }),
  };
}

/**
 * Serves every `{"connect": id}` of `worker` by opening the connection WebSocket and piping it to a new
 * TCP connection to `port`.
 */
export function bridgeConnections(
  worker: ManualWorker,
  base: string,
  key: string,
  id: string,
  port: number,
): void {
  worker.control.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { connect?: string };
    if (!message.connect) return;
    const socket = new WebSocket(
      `${base}/v2/workers/sessions/${id}/connections/${message.connect}`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    );
    socket.on('error', () => {});
    const stream = createWebSocketStream(socket);
    stream.on('error', () => {});
    const tcp = net.connect(port, '127.0.0.1');
    tcp.on('error', () => {});
    pipeline(stream, tcp, () => {});
    pipeline(tcp, stream, () => {});
  });
}
