import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP listener on an ephemeral port of 127.0.0.1, the front of hud-ts's loopback forwarders (a
 * capability forwarder, the Docker runtime's exec bridge): connections may half-close and arrive paused,
 * each is handed to `onConnection`, and {@link LoopbackServer.close} destroys every connection still open
 * (those accepted and those given to {@link LoopbackServer.track}).
 */
export class LoopbackServer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #closing: Promise<void> | undefined;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /**
   * Starts listening on 127.0.0.1 with an ephemeral port; each accepted connection (paused) goes to
   * `onConnection`.
   * @throws the listen error (e.g. `EADDRNOTAVAIL`).
   */
  static async listen(onConnection: (socket: Socket) => void): Promise<LoopbackServer> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const listener = new LoopbackServer(
      server,
      typeof address === 'object' && address !== null ? address.port : 0,
    );
    server.on('connection', (socket) => {
      listener.track(socket);
      onConnection(socket);
    });
    return listener;
  }

  /** Destroys `socket` on {@link LoopbackServer.close} unless it closed before. */
  track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /** Stops listening and destroys every tracked connection. Idempotent; resolves once the listener is closed. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }
}
