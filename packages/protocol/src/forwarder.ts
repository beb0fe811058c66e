import type { Socket } from 'node:net';
import type { ControlEndpoint, HudLogger } from './client-options.js';
import { pyRepr } from './client-repr.js';
import { openTunnel, splice } from './forwarder-tunnel.js';
import { LoopbackServer } from './loopback-server.js';

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
  readonly #listener: LoopbackServer;
  readonly #options: ForwarderOptions;
  readonly #stop = new AbortController();

  private constructor(listener: LoopbackServer, options: ForwarderOptions) {
    this.#listener = listener;
    this.port = listener.port;
    this.capability = options.capability;
    this.#options = options;
  }

  /**
   * Starts listening on 127.0.0.1 with an ephemeral port.
   * @throws the listen error (e.g. `EADDRNOTAVAIL`).
   */
  static async listen(options: ForwarderOptions): Promise<CapabilityForwarder> {
    let forwarder: CapabilityForwarder | undefined;
    // No connection arrives before `forwarder` is set (that takes a turn of the event loop).
    const listener = await LoopbackServer.listen((socket) => {
      if (forwarder) forwarder.#accept(socket);
      else socket.destroy();
    });
    forwarder = new CapabilityForwarder(listener, options);
    return forwarder;
  }

  /** Stops listening and destroys every open tunnel. Idempotent; resolves once the listener is closed. */
  close(): Promise<void> {
    this.#stop.abort();
    return this.#listener.close();
  }

  #accept(local: Socket): void {
    if (this.#stop.signal.aborted) {
      local.destroy();
      return;
    }
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
      this.#listener.track(upstream);
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
