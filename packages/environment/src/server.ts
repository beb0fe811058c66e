import net from 'node:net';
import { HudError } from '@hud/protocol';
import { ControlChannel } from './control-channel.js';
import { ControlConnection } from './control-connection.js';
import type { Environment } from './environment.js';
import { type Logger, silentLogger } from './logger.js';

/** The line a served environment prints on stdout once it is ready (hud-python `PORT_ANNOUNCEMENT`). */
export const PORT_ANNOUNCEMENT = 'HUD_SERVE_PORT=';

/** Options of {@link bind} and {@link serve}. */
export interface ServeOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (any free port). `hud serve` uses 8765. */
  port?: number;
  /** Largest frame accepted, bytes before the newline (default 64 MiB; hud-python: 64 KiB). */
  maxFrameBytes?: number;
  /** Parked sessions are closed after this long (ms; default 1 h; hud-python: never). */
  parkedTtlMs?: number;
  /**
   * Shared secret clients must send as `params.token` in `hello` and `tunnel.open`. Off by default so Python
   * peers work on loopback; required when binding a non-loopback address unless `insecure` is set.
   */
  token?: string;
  /** Allow a non-loopback address without a token (e.g. inside a container whose port is published on loopback). */
  insecure?: boolean;
  logger?: Logger;
}

/** A bound control port. Close it to cancel every task and drop every connection. */
export class ControlServer implements AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly channel: ControlChannel;
  readonly #server: net.Server;
  readonly #connections = new Set<ControlConnection>();
  readonly #sockets = new Set<net.Socket>();
  readonly #onClose: (() => Promise<void>) | undefined;
  #closing: Promise<void> | undefined;

  /** @internal use {@link bind} or {@link serve}. */
  constructor(options: {
    server: net.Server;
    channel: ControlChannel;
    host: string;
    port: number;
    connections: Set<ControlConnection>;
    sockets: Set<net.Socket>;
    onClose?: () => Promise<void>;
  }) {
    this.#server = options.server;
    this.channel = options.channel;
    this.host = options.host;
    this.port = options.port;
    this.#connections = options.connections;
    this.#sockets = options.sockets;
    this.#onClose = options.onClose;
  }

  /** `tcp://host:port` of the control channel. */
  get url(): string {
    return `tcp://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** Open connections (control sessions and tunnels). */
  get connectionCount(): number {
    return this.#sockets.size;
  }

  /** Stops accepting, drops every connection and tunnel, cancels every task, then runs `onClose`. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      for (const connection of this.#connections) connection.destroy();
      for (const socket of this.#sockets) socket.destroy();
      await closed;
      await this.channel.close();
      await this.#onClose?.();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Puts `env` on a control port without running its hooks (hud-python `bind`).
 * @throws HudError `invalid_argument` for a non-loopback host without a token (unless `insecure`);
 *   the listen error (e.g. EADDRINUSE) otherwise.
 */
export async function bind(env: Environment, options: ServeOptions = {}): Promise<ControlServer> {
  return bindWith(env, options, undefined);
}

async function bindWith(
  env: Environment,
  options: ServeOptions,
  onClose: (() => Promise<void>) | undefined,
): Promise<ControlServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.token && !options.insecure) {
    throw new HudError(
      'invalid_argument',
      `serving on ${host} (not loopback) needs a token: pass --token / HUD_SERVE_TOKEN, or --insecure if the port is only reachable through loopback (e.g. a container port published on 127.0.0.1)`,
    );
  }
  const logger = options.logger ?? silentLogger;
  const channel = new ControlChannel(env, {
    parkedTtlMs: options.parkedTtlMs,
    token: options.token,
    logger,
  });
  const connections = new Set<ControlConnection>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    const connection = new ControlConnection({
      socket,
      channel,
      logger,
      maxFrameBytes: options.maxFrameBytes,
    });
    connections.add(connection);
    socket.once('close', () => {
      sockets.delete(socket);
      connections.delete(connection);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  return new ControlServer({
    server,
    channel,
    host,
    port: address.port,
    connections,
    sockets,
    onClose,
  });
}

/**
 * Starts `env` (initialize hooks), binds its control port and returns the server; closing it cancels every
 * task and runs the shutdown hooks (hud-python `serve`). Printing {@link PORT_ANNOUNCEMENT} is the caller's
 * job (`hud serve` does it), since libraries never write to stdout.
 * @example
 * const server = await serve(env, { port: 0 });
 * process.stdout.write(`${PORT_ANNOUNCEMENT}${server.port}\n`);
 */
export async function serve(env: Environment, options: ServeOptions = {}): Promise<ControlServer> {
  await env.start();
  try {
    return await bindWith(env, options, () => env.stop());
  } catch (error) {
    await env.stop();
    throw error;
  }
}
