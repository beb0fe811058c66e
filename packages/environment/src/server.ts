import net from 'node:net';
import { FrameDecoder, HudError } from '@hud/protocol';
import { isProtectedCapability, startProtected } from './capabilities/endpoint-protection.js';
import { ControlChannel } from './control-channel.js';
import { ControlConnection } from './control-connection.js';
import type { Environment } from './environment.js';
import { startWithFileTracking } from './filetracking/serve-context.js';
import { type Logger, silentLogger } from './logger.js';

/** The line a served environment prints on stdout once it is ready (hud-python `PORT_ANNOUNCEMENT`). */
export const PORT_ANNOUNCEMENT = 'HUD_SERVE_PORT=';

/** Options of {@link bind} and {@link serve}. */
export interface ServeOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (any free port). `hud serve` uses 8765. */
  port?: number;
  /**
   * Largest frame accepted, bytes before the newline (default 64 MiB; hud-python: 64 KiB; at most
   * `MAX_FRAME_BYTES_LIMIT`, about 512 MiB). A longer line is refused as soon as it passes the limit.
   */
  maxFrameBytes?: number;
  /** Parked sessions are closed after this long (ms; default 1 h; hud-python: never). */
  parkedTtlMs?: number;
  /**
   * Shared secret clients must send as `params.token` in `hello` and `tunnel.open`. Off by default so Python
   * peers work on loopback; required when binding a non-loopback address unless `insecure` is set.
   * With a token, {@link serve} starts the capability services of `env.mcp()`, `env.screen()` and
   * `env.browser()` protected, so their own ports on 127.0.0.1 are no way around it: the MCP server wants a
   * Bearer secret and the VNC server a password (both published in the capability params, which only
   * clients past `hello` see), and Chromium's DevTools are reachable only through `tunnel.open`.
   * Capabilities left unprotected (started outside `serve`, or published by the environment itself) are
   * named in a warning.
   */
  token?: string;
  /**
   * Whether workspaces publish `filetracking/1` when their `trackFiles` option does not say (hud-python
   * `HUD_FILE_TRACKING_ENABLED`, which `hud serve` passes; default true). The tracking port refuses frames
   * over `maxFrameBytes` like the control port.
   */
  fileTracking?: boolean;
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

/**
 * What `server.listen` gets: for an IPv4 literal (the default `127.0.0.1`), a socket bound here with
 * `net.BoundSocket` where this Node has it — `listen({host})` looks the host up through `node:dns` and
 * filters the result through Node's IPv6 regex, ~5–10 ms of CPU in every freshly started process — else
 * `{host, port}`.
 * @throws the bind error (e.g. EADDRINUSE) for the bound socket.
 */
function listenTarget(host: string, port: number): net.ListenOptions | net.BoundSocket {
  const { BoundSocket } = net as { BoundSocket?: typeof net.BoundSocket };
  return BoundSocket && net.isIPv4(host) ? new BoundSocket({ host, port }) : { host, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Puts `env` on a control port without running its hooks (hud-python `bind`).
 * @throws HudError `invalid_argument` for a non-loopback host without a token (unless `insecure`) or a
 *   `maxFrameBytes` the decoder cannot honour; the listen error (e.g. EADDRINUSE) otherwise.
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
  // Every connection builds its own decoder: check the limit once, here, so a bad one fails the bind.
  new FrameDecoder({ maxFrameBytes: options.maxFrameBytes });
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
    server.listen(listenTarget(host, options.port ?? 0), () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  if (options.token) warnUnprotected(env, logger);
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

/** Names every published capability a local process can use without going through the token. */
function warnUnprotected(env: Environment, logger: Logger): void {
  for (const capability of env.capabilities) {
    if (isProtectedCapability(capability)) continue;
    logger.warn(
      `capability '${capability.name}' (${capability.protocol}) does not check the server token: any local process that finds its port can use it directly`,
    );
  }
}

/**
 * Starts `env` (initialize hooks), binds its control port and returns the server; closing it cancels every
 * task and runs the shutdown hooks (hud-python `serve`). With a `token`, the hooks start the built-in
 * capability services protected (see {@link ServeOptions.token}). Printing {@link PORT_ANNOUNCEMENT} is the caller's
 * job (`hud serve` does it), since libraries never write to stdout.
 * @example
 * const server = await serve(env, { port: 0 });
 * process.stdout.write(`${PORT_ANNOUNCEMENT}${server.port}\n`);
 */
export async function serve(env: Environment, options: ServeOptions = {}): Promise<ControlServer> {
  await startProtected(Boolean(options.token), () =>
    startWithFileTracking(
      { enabled: options.fileTracking ?? true, maxFrameBytes: options.maxFrameBytes },
      () => env.start(),
    ),
  );
  try {
    return await bindWith(env, options, () => env.stop());
  } catch (error) {
    await env.stop();
    throw error;
  }
}
