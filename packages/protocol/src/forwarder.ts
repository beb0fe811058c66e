import { createServer, type Server, type Socket } from 'node:net';
import type { ControlEndpoint, HudLogger } from './client-options.js';
import { pyRepr } from './client-repr.js';
import { openTunnel, splice } from './forwarder-tunnel.js';

/** Options of {@link CapabilityForwarder.listen}. */
export interface ForwarderOptions {
  /** The capability name sent in `tunnel.open`. */
  capability: string;
  /** The control endpoint tunnels are opened to. */
  endpoint: ControlEndpoint;
  /** Largest `tunnel.open` reply accepted, in bytes. */
  maxFrameBytes?: number;
  logger?: HudLogger;
  /** The server's shared secret, sent as `params.token` in each `tunnel.open` (default: none). */
  token?: string;
}

/**
 * A loopback listener (`127.0.0.1:0`) that routes one capability through the control channel
 * (spec §2.7): each accepted connection opens its own `tunnel.open` stream to the control endpoint and is
 * spliced to it. A refused or failed tunnel closes the local connection.
 */
export class CapabilityForwarder {
  /** The capability this forwarder routes. */
  readonly capability: string;
  /** The local port it listens on (127.0.0.1). */
  readonly port: number;
  readonly #server: Server;
  readonly #options: ForwarderOptions;
  readonly #sockets = new Set<Socket>();
  readonly #stop = new AbortController();
  #closing: Promise<void> | undefined;

  private constructor(server: Server, port: number, options: ForwarderOptions) {
    this.#server = server;
    this.port = port;
    this.capability = options.capability;
    this.#options = options;
  }

  /**
   * Starts listening on 127.0.0.1 with an ephemeral port.
   * @throws the listen error (e.g. `EADDRNOTAVAIL`).
   */
  static async listen(options: ForwarderOptions): Promise<CapabilityForwarder> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const forwarder = new CapabilityForwarder(server, port, options);
    server.on('connection', (socket) => forwarder.#accept(socket));
    return forwarder;
  }

  /** Stops listening and destroys every open tunnel. Idempotent; resolves once the listener is closed. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#stop.abort();
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #accept(local: Socket): void {
    if (this.#stop.signal.aborted) {
      local.destroy();
      return;
    }
    this.#track(local);
    local.setNoDelay(true);
    local.on('error', () => undefined);
    void this.#route(local);
  }

  async #route(local: Socket): Promise<void> {
    const { capability, endpoint, maxFrameBytes, logger, token } = this.#options;
    try {
      const { socket: upstream, head } = await openTunnel(endpoint, capability, {
        maxFrameBytes,
        signal: this.#stop.signal,
        token,
      });
      this.#track(upstream);
      if (local.destroyed || this.#stop.signal.aborted) {
        upstream.destroy();
        local.destroy();
        return;
      }
      logger?.debug(`tunnel for capability ${pyRepr(capability)} opened`);
      await splice(local, upstream, head);
    } catch (error) {
      logger?.warn(
        `tunnel for capability ${pyRepr(capability)} via ${endpoint.host}:${endpoint.port} failed: ${(error as Error).message}`,
      );
      local.end();
      local.once('finish', () => local.destroy());
    }
  }
}
