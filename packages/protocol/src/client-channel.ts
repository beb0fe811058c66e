import type { Socket } from 'node:net';
import { pyRepr } from './client-repr.js';
import { closeSocket } from './connect-socket.js';
import { HudError, ProtocolError } from './errors.js';
import { FrameDecoder } from './frame-decoder.js';
import { encodeRequest, isObjectFrame } from './jsonrpc.js';
import type { JsonObject } from './schemas.js';

/** What the reader hands to a waiting call. `eof` and `error` are sticky: every later read sees them. */
type Incoming =
  | { kind: 'frame'; value: unknown }
  | { kind: 'eof' }
  | { kind: 'error'; error: Error }
  | { kind: 'aborted'; error: Error };

/** Options of one {@link ClientChannel.call}. */
export interface ChannelCallOptions {
  /** Reply timeout in ms; on expiry the connection is aborted. */
  timeoutMs?: number;
  /** Prefix for the timeout message, e.g. `control heartbeat`. */
  label?: string;
}

/**
 * The JSON-RPC plumbing of one control connection, as hud-python's `HudClient._call` does it: ids 1, 2, 3…,
 * one outstanding call at a time (later calls queue in order), the reply must carry the request's id.
 * A broken exchange (id mismatch, oversized or unparseable reply, EOF, socket error, timeout) aborts the
 * connection; every later call then fails with HudError `connection_closed`.
 */
export class ClientChannel {
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #incoming: Incoming[] = [];
  readonly #lost = new AbortController();
  readonly #closed: Promise<void>;
  #waiter: ((item: Incoming) => void) | undefined;
  #failure: Error | undefined;
  #closedByUser = false;
  #ended = false;
  #nextId = 1;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(socket: Socket, options: { maxFrameBytes?: number } = {}) {
    this.#socket = socket;
    this.#decoder = new FrameDecoder({ maxFrameBytes: options.maxFrameBytes });
    this.#closed = socket.closed
      ? Promise.resolve()
      : new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', this.#onData);
    socket.once('end', () => this.#end({ kind: 'eof' }));
    socket.on('error', (error) => this.#end({ kind: 'error', error }));
    socket.once('close', () => this.#end({ kind: 'eof' }));
    if (socket.destroyed) this.#end({ kind: 'eof' });
  }

  /** Aborted when the connection is lost or closed; `reason` is the HudError that ended it. */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  /** Largest reply accepted, in bytes before the newline. */
  get maxFrameBytes(): number {
    return this.#decoder.maxFrameBytes;
  }

  /**
   * Sends `method` with `params` once every earlier call has finished, and resolves with the reply's
   * `result` object.
   * @throws ProtocolError for an error frame (code and message verbatim), for a result that is not an
   *   object (-32603) and for a reply id mismatch (-32603; the connection is aborted too).
   * @throws HudError `connection_closed` (EOF, socket error, or the connection was already aborted or
   *   closed), `frame_too_large`, `invalid_frame`, `timeout`.
   */
  call(method: string, params: JsonObject, options: ChannelCallOptions = {}): Promise<JsonObject> {
    const run = this.#tail.then(() => this.#exchange(method, params, options));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Aborts the connection (first reason wins): queued and later calls fail with `connection_closed`. */
  abort(reason: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = reason;
    this.#socket.off('data', this.#onData);
    this.#socket.pause();
    this.#deliver({ kind: 'aborted', error: reason });
    this.#lost.abort(reason);
    void closeSocket(this.#socket);
  }

  /** Closes the connection without a `bye` (the server parks the session); resolves once closed. */
  close(): Promise<void> {
    if (this.#failure === undefined) {
      this.#closedByUser = true;
      this.abort(new HudError('connection_closed', 'HudClient is closed'));
    }
    return this.#closed;
  }

  async #exchange(
    method: string,
    params: JsonObject,
    options: ChannelCallOptions,
  ): Promise<JsonObject> {
    if (this.#failure !== undefined) throw this.#lostError();
    const id = this.#nextId++;
    // Like asyncio after a peer's EOF, a half-closed socket is still written to; the EOF surfaces on read.
    if (this.#socket.writable) this.#socket.write(encodeRequest(id, method, params));
    const item = await this.#next(method, options);
    switch (item.kind) {
      case 'aborted':
        throw item.error;
      case 'eof': {
        const error = new HudError(
          'connection_closed',
          `env closed connection during ${pyRepr(method)}`,
        );
        this.abort(error);
        throw error;
      }
      case 'error': {
        const error = callError(method, item.error);
        this.abort(error);
        throw error;
      }
      case 'frame':
        return this.#result(method, id, item.value);
    }
  }

  #result(method: string, id: number, reply: unknown): JsonObject {
    if (!isObjectFrame(reply)) {
      const error = new HudError(
        'invalid_frame',
        `reply to ${pyRepr(method)} is not a JSON object: ${JSON.stringify(reply)?.slice(0, 60)}`,
      );
      this.abort(error);
      throw error;
    }
    if (reply.id !== id) {
      const mismatch = new ProtocolError(
        -32603,
        `${pyRepr(method)}: reply id did not match request`,
      );
      this.abort(mismatch);
      // hud-python: an id-less error frame is still raised as that error (after the abort).
      if ((reply.id !== undefined && reply.id !== null) || !('error' in reply)) throw mismatch;
    }
    if ('error' in reply) {
      const error = isObjectFrame(reply.error) ? reply.error : {};
      const code = typeof error.code === 'number' ? Math.trunc(error.code) : -32000;
      const message =
        typeof error.message === 'string' ? error.message : String(error.message ?? '');
      throw new ProtocolError(code, message);
    }
    if (!isObjectFrame(reply.result)) {
      throw new ProtocolError(-32603, `${pyRepr(method)}: result was not an object`);
    }
    return reply.result;
  }

  #next(method: string, options: ChannelCallOptions): Promise<Incoming> {
    const head = this.#take();
    if (head !== undefined) return Promise.resolve(head);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.#waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
      const { timeoutMs } = options;
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const label = options.label === undefined ? '' : `${options.label}: `;
          this.abort(
            new HudError(
              'timeout',
              `${label}no reply to ${pyRepr(method)} within ${timeoutMs} ms; connection aborted`,
            ),
          );
        }, timeoutMs);
      }
      this.#socket.resume();
    });
  }

  #take(): Incoming | undefined {
    const head = this.#incoming[0];
    if (head?.kind === 'frame') this.#incoming.shift();
    return head;
  }

  #deliver(item: Incoming): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    waiter(item);
  }

  readonly #onData = (chunk: Buffer): void => {
    try {
      for (const decoded of this.#decoder.push(chunk)) {
        if (decoded.kind === 'invalid') {
          this.#end({ kind: 'error', error: decoded.error });
          return;
        }
        this.#incoming.push({ kind: 'frame', value: decoded.value });
      }
    } catch (error) {
      this.#end({ kind: 'error', error: error as Error });
      return;
    }
    const head = this.#waiter === undefined ? undefined : this.#take();
    if (head !== undefined) this.#deliver(head);
    // Unsolicited frames wait for the next call; stop reading so they cannot pile up.
    if (this.#incoming.length > 0) this.#socket.pause();
  };

  /** Records the end of the reply stream after any frames already decoded. */
  #end(item: Incoming): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#socket.off('data', this.#onData);
    this.#socket.pause();
    this.#incoming.push(item);
    if (this.#failure === undefined) {
      this.#lost.abort(
        item.kind === 'error'
          ? callError(undefined, item.error)
          : new HudError('connection_closed', 'env closed the control connection'),
      );
    }
    const head = this.#waiter === undefined ? undefined : this.#take();
    if (head !== undefined) this.#deliver(head);
  }

  #lostError(): HudError {
    if (this.#closedByUser) return new HudError('connection_closed', 'HudClient is closed');
    const reason = this.#failure;
    return new HudError('connection_closed', `connection lost: ${reason?.message}`, {
      cause: reason,
    });
  }
}

/** The error a call reports for a failure of the reply stream. */
function callError(method: string | undefined, error: Error): Error {
  const during = method === undefined ? '' : ` during ${pyRepr(method)}`;
  if (HudError.isInstance(error)) {
    if (error.code === 'frame_too_large') {
      return new HudError('frame_too_large', `reply${during} too large: ${error.message}`, {
        cause: error,
      });
    }
    if (error.code === 'invalid_frame') {
      return new HudError('invalid_frame', `reply${during}: ${error.message}`, { cause: error });
    }
    return error;
  }
  return new HudError('connection_closed', `connection to env failed${during}: ${error.message}`, {
    cause: error,
  });
}
