import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The engine's own socket: `DOCKER_HOST=unix://…`, else /var/run/docker.sock. */
function engineSocket(): string {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  if (host) throw new Error(`EngineProxy: DOCKER_HOST=${host} is not a unix socket`);
  return '/var/run/docker.sock';
}

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/;

/**
 * Counts the HTTP requests of one client connection: reads request heads, skips `Content-Length` bodies,
 * and stops parsing once the connection carries something else (a hijacked exec, a chunked upload).
 */
class RequestCounter {
  #buffer = Buffer.alloc(0);
  #skip = 0;
  #opaque = false;

  /** The requests whose heads end in `chunk` (`METHOD`, url). */
  push(chunk: Buffer): Array<[string, string]> {
    const found: Array<[string, string]> = [];
    if (this.#opaque) return found;
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, this.#buffer.length);
        this.#buffer = this.#buffer.subarray(skipped);
        this.#skip -= skipped;
        if (this.#skip > 0) return found;
      }
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end === -1) return found;
      const [line = '', ...headers] = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
      this.#buffer = this.#buffer.subarray(end + 4);
      const match = REQUEST_LINE.exec(line);
      if (!match) {
        this.#opaque = true;
        return found;
      }
      found.push([match[1] as string, match[2] as string]);
      const field = (name: string) =>
        headers
          .find((header) => header.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      if (field('upgrade') || field('transfer-encoding')) {
        this.#opaque = true;
        return found;
      }
      this.#skip = Number(field('content-length') ?? 0);
    }
  }
}

/** One request the engine received through an {@link EngineProxy}. */
export interface EngineRequest {
  readonly method: string;
  /** The path without the API version prefix and query, e.g. `/containers/create`. */
  readonly path: string;
}

/**
 * A unix socket in front of the Docker engine's that forwards every byte both ways and records each HTTP
 * request a client sends (tests count engine round trips with it: `new Docker({socketPath: proxy.path})`).
 */
export class EngineProxy {
  /** The socket to give a client (`new Docker({socketPath})`, `DOCKER_HOST=unix://<path>`). */
  readonly path: string;
  /** Every request received so far, in order. */
  readonly requests: EngineRequest[] = [];
  readonly #server: Server;
  readonly #dir: string;
  readonly #sockets = new Set<Socket>();
  readonly #clients = new Set<Socket>();
  readonly #holds: Array<{
    matches: (request: EngineRequest) => boolean;
    seen: (request: EngineRequest, release: () => void) => void;
  }> = [];

  private constructor(dir: string, target: string) {
    this.#dir = dir;
    this.path = path.join(dir, 'docker.sock');
    this.#server = createServer((client) => {
      const engine = createConnection(target);
      this.#clients.add(client);
      client.on('close', () => this.#clients.delete(client));
      for (const socket of [client, engine]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          engine.destroy();
        });
      }
      const counter = new RequestCounter();
      // While a held request waits, it and everything after it on its connection stay here.
      let held: Buffer[] | undefined;
      client.on('data', (chunk: Buffer) => {
        if (held) {
          held.push(chunk);
          return;
        }
        for (const [method, url] of counter.push(chunk)) {
          const request = {
            method,
            path: (url.split('?')[0] as string).replace(/^\/v\d+(\.\d+)?(?=\/)/, ''),
          };
          this.requests.push(request);
          const hold = this.#holds.find((candidate) => candidate.matches(request));
          if (hold && !held) {
            const queue: Buffer[] = [];
            held = queue;
            hold.seen(request, () => {
              held = undefined;
              for (const data of queue) engine.write(data);
            });
          }
        }
        if (held) held.push(chunk);
        else engine.write(chunk);
      });
      client.on('end', () => engine.end());
      engine.pipe(client);
    });
  }

  /** Listens on a fresh socket in a temporary directory, forwarding to `target` (default: the engine's). */
  static async start(target: string = engineSocket()): Promise<EngineProxy> {
    const proxy = new EngineProxy(mkdtempSync(path.join(tmpdir(), 'hud-engine-proxy-')), target);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(proxy.path, resolve);
    });
    return proxy;
  }

  /** Client connections still open (a stream a client never closed keeps one). */
  get openConnections(): number {
    return this.#clients.size;
  }

  /** The recorded requests as `METHOD /path` lines. */
  get lines(): string[] {
    return this.requests.map((request) => `${request.method} ${request.path}`);
  }

  /**
   * Holds the first request `matches` accepts (and whatever follows it on its connection) until
   * `release()`; `seen` resolves when it arrives. Releasing before it arrives lets it through.
   */
  hold(matches: (request: EngineRequest) => boolean): {
    seen: Promise<EngineRequest>;
    release(): void;
  } {
    let released = false;
    let releaseHeld: (() => void) | undefined;
    let markSeen: (request: EngineRequest) => void = () => {};
    const seen = new Promise<EngineRequest>((resolve) => {
      markSeen = resolve;
    });
    const hold = {
      matches,
      seen: (request: EngineRequest, release: () => void) => {
        this.#holds.splice(this.#holds.indexOf(hold), 1);
        markSeen(request);
        if (released) release();
        else releaseHeld = release;
      },
    };
    this.#holds.push(hold);
    return {
      seen,
      release: () => {
        released = true;
        const index = this.#holds.indexOf(hold);
        if (index !== -1) this.#holds.splice(index, 1);
        releaseHeld?.();
      },
    };
  }

  /** Forgets the requests recorded so far. */
  reset(): void {
    this.requests.length = 0;
  }

  /** Stops listening, drops every forwarded connection and deletes the socket. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
