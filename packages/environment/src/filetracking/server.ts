import net from 'node:net';
import {
  type DecodedFrame,
  ErrorCode,
  encodeError,
  encodeResult,
  FrameDecoder,
  HudError,
  isObjectFrame,
} from '@hud/protocol';
import { closeGracefully } from '../graceful-close.js';
import { type Logger, silentLogger } from '../logger.js';
import { pythonRepr } from '../python-repr.js';
import type { FileTracker } from './tracker.js';

/** The protocol id of file tracking (hud-python 0.6.16, spec §3.7). */
export const FILE_TRACKING_PROTOCOL = 'filetracking/1';

/** Options of {@link FileTrackingServer.listen}. */
export interface FileTrackingServerOptions {
  /** Default `127.0.0.1` (clients reach it through `tunnel.open`). */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Largest request line accepted, bytes before the newline (default: the control port's, 64 MiB). */
  maxFrameBytes?: number;
  logger?: Logger;
}

/**
 * The `filetracking/1` daemon (hud-python `serve_file_tracking`, spec §3.7): newline-delimited JSON-RPC on
 * its own TCP port, one {@link FileTracker} shared by every connection, one method at a time. Methods
 * (params ignored): `setup` → DiffResult; `advance` → `{advanced: true}`; `snapshot` →
 * `{files: [{path, size, content_hash}], files_scanned}`; `diff` → DiffResult; `flush` →
 * `{diff: DiffResult, capture}`. A failing or unknown method answers `-32000` (e.g.
 * `unknown filetracking method: 'x'`) and the connection stays open. As hud-python, only requests with an
 * integer `id` are answered. Malformed input, as on the control port: an unparseable line gets `-32700`, a
 * non-object or oversized one `-32600` (id null), then the connection closes.
 */
export class FileTrackingServer {
  readonly host: string;
  readonly port: number;
  readonly #server: net.Server;
  readonly #sockets: Set<net.Socket>;

  private constructor(server: net.Server, host: string, port: number, sockets: Set<net.Socket>) {
    this.#server = server;
    this.host = host;
    this.port = port;
    this.#sockets = sockets;
  }

  /** `tcp://host:port`. */
  get url(): string {
    return `tcp://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /**
   * Binds the daemon for `tracker`.
   * @throws HudError `invalid_argument` for a bad `maxFrameBytes`; the listen error otherwise.
   */
  static async listen(
    tracker: FileTracker,
    options: FileTrackingServerOptions = {},
  ): Promise<FileTrackingServer> {
    new FrameDecoder({ maxFrameBytes: options.maxFrameBytes });
    const host = options.host ?? '127.0.0.1';
    const logger = options.logger ?? silentLogger;
    const sockets = new Set<net.Socket>();
    let queue: Promise<unknown> = Promise.resolve();
    // One tracker, one call at a time across connections (its baselines are shared state).
    const serialized = <T>(work: () => Promise<T>): Promise<T> => {
      const run = queue.then(work, work);
      queue = run.catch(() => undefined);
      return run;
    };
    const server = net.createServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      handleConnection(socket, tracker, serialized, options.maxFrameBytes, logger);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: options.port ?? 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as net.AddressInfo;
    return new FileTrackingServer(server, host, port, sockets);
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

/** Runs one method on the tracker. @throws HudError `invalid_argument` for an unknown method. */
async function dispatch(tracker: FileTracker, method: unknown): Promise<unknown> {
  switch (method) {
    case 'setup':
      return tracker.setup();
    case 'advance':
      await tracker.advance();
      return { advanced: true };
    case 'snapshot': {
      const files = tracker.manifest();
      return { files, files_scanned: files.length };
    }
    case 'diff':
      return tracker.diff();
    case 'flush':
      return tracker.flush();
    default:
      throw new HudError(
        'invalid_argument',
        `unknown filetracking method: ${pythonRepr(typeof method === 'string' ? method : '')}`,
      );
  }
}

function handleConnection(
  socket: net.Socket,
  tracker: FileTracker,
  serialized: <T>(work: () => Promise<T>) => Promise<T>,
  maxFrameBytes: number | undefined,
  logger: Logger,
): void {
  const decoder = new FrameDecoder({ maxFrameBytes });
  // Requests of one connection are answered in order.
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const write = (line: string) => {
    if (!socket.destroyed) socket.write(line);
  };
  const refuse = (code: number, message: string) => {
    closed = true;
    socket.pause();
    logger.warn(`closing filetracking connection: ${message}`);
    chain = chain.then(() => {
      write(encodeError(null, code, message));
      closeGracefully(socket);
    });
  };
  const handle = (frame: DecodedFrame) => {
    if (frame.kind === 'invalid') return refuse(ErrorCode.ParseError, frame.error.message);
    const request = frame.value;
    if (!isObjectFrame(request)) {
      return refuse(
        ErrorCode.InvalidRequest,
        `invalid request: a frame must be a JSON object, got ${request === null ? 'null' : Array.isArray(request) ? 'an array' : typeof request}`,
      );
    }
    const { id, method } = request;
    const answered = typeof id === 'number' && Number.isInteger(id);
    const work = serialized(() => dispatch(tracker, method));
    chain = chain.then(async () => {
      try {
        const result = await work;
        if (answered) write(encodeResult(id, result));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.debug(`filetracking ${String(method)} failed: ${message}`);
        if (answered) write(encodeError(id, ErrorCode.ServerError, message));
      }
    });
  };
  socket.on('data', (chunk: Buffer) => {
    // Line by line, so the requests completed before an oversized line are answered before its refusal.
    for (let start = 0; start < chunk.length && !closed; ) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      let frame: DecodedFrame | undefined;
      try {
        frame = decoder.pushLine(chunk, start, end);
      } catch (error) {
        refuse(ErrorCode.InvalidRequest, (error as Error).message);
        return;
      }
      if (frame !== undefined) handle(frame);
      start = end;
    }
  });
  socket.on('end', () => {
    chain = chain.then(() => closeGracefully(socket));
  });
  socket.on('error', (error) => logger.debug(`filetracking connection error: ${error.message}`));
}
