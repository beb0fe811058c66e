import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { KubeClient } from './client.js';
import { apiMessage, KubernetesRuntimeError } from './errors.js';

/** The WebSocket the official client returns for a port-forward (only what is used here). */
interface ForwardSocket {
  close(): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * A listener on `127.0.0.1:<random port>` forwarding each TCP connection to a pod's port over its own
 * port-forward WebSocket (`…/pods/<name>/portforward?ports=<port>`, the official client's
 * {@link PortForward}), as `kubectl port-forward` does. A WebSocket that ends abnormally (the API server,
 * the kubelet or the network dropped it) while its TCP connection was open is reported to `onDrop` with a
 * `forward_failed` error naming the pod, and the TCP connection is destroyed.
 * @internal
 */
export class PortForwardListener {
  readonly #server: Server;
  readonly #sockets: Set<Socket>;
  readonly #state: { closed: boolean };

  private constructor(server: Server, sockets: Set<Socket>, state: { closed: boolean }) {
    this.#server = server;
    this.#sockets = sockets;
    this.#state = state;
  }

  /**
   * Listens on a free loopback port.
   * @param onDrop called once per dropped connection.
   */
  static async listen(
    client: KubeClient,
    pod: string,
    port: number,
    onDrop: (error: KubernetesRuntimeError) => void,
  ): Promise<PortForwardListener> {
    const where = `${client.namespace}/${pod}`;
    const sockets = new Set<Socket>();
    const state = { closed: false };
    const server = createServer((socket) => {
      if (state.closed) {
        socket.destroy();
        return;
      }
      sockets.add(socket);
      let localEnd = false;
      socket.once('end', () => {
        localEnd = true;
      });
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      const errors = new PassThrough();
      let errorText = '';
      errors.on('data', (chunk: Buffer) => {
        errorText += chunk.toString('utf8');
      });
      client.forward
        .portForward(client.namespace, pod, [port], socket, errors, socket)
        .then((opened) => {
          const ws = opened as unknown as ForwardSocket;
          socket.once('close', () => ws.close());
          ws.on('error', () => {});
          ws.on('close', (code) => {
            const dropped = code !== 1000 && !localEnd && !socket.destroyed && !state.closed;
            if (dropped || errorText) {
              onDrop(
                new KubernetesRuntimeError(
                  'forward_failed',
                  `port-forward to pod ${where} port ${port} ${errorText ? `failed: ${errorText.trim()}` : `dropped (WebSocket closed with code ${code})`}`,
                  { phase: 'running', pod: where },
                ),
              );
              socket.destroy();
            } else {
              socket.end();
            }
          });
        })
        .catch((error: unknown) => {
          socket.destroy();
          if (!state.closed) {
            onDrop(
              new KubernetesRuntimeError(
                'forward_failed',
                `port-forward to pod ${where} port ${port} could not open: ${apiMessage(error)}`,
                { phase: 'running', pod: where, cause: error },
              ),
            );
          }
        });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new PortForwardListener(server, sockets, state);
  }

  /** The local port. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Stops listening and destroys open connections (their WebSockets close). Idempotent. */
  close(): Promise<void> {
    this.#state.closed = true;
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
