import type net from 'node:net';
import {
  type DecodedFrame,
  ErrorCode,
  encodeError,
  encodeResult,
  FrameDecoder,
  HudError,
  isObjectFrame,
  Method,
  type RequestId,
  WireError,
} from '@hud/protocol';
import type { ControlChannel, Outcome, SessionHolder } from './control-channel.js';
import { closeGracefully } from './graceful-close.js';
import type { Logger } from './logger.js';
import { openTunnel } from './tunnel.js';

const NEWLINE = 0x0a;

/**
 * One accepted connection on the control port. Its first frame decides its kind (spec §2.2):
 * `tunnel.open` makes it a raw byte stream, anything else a control session whose requests are handled
 * strictly in order, one at a time (pipelined requests are queued).
 *
 * Malformed input (hud-ts, stricter than Python): an unparseable line gets a `ParseError` (-32700) error
 * frame, a non-object frame or an oversized line an `InvalidRequest` (-32600) one; then the connection
 * closes. So does a request refused for a missing or wrong server token (a WireError whose
 * `closesConnection` is set). A task the session holds is parked, not cancelled, as in hud-python.
 */
export class ControlConnection implements SessionHolder {
  sessionId: string | undefined;
  authenticated = false;
  readonly #socket: net.Socket;
  readonly #channel: ControlChannel;
  readonly #logger: Logger;
  readonly #decoder: FrameDecoder;
  /** True until the first line has routed the connection. */
  #preface = true;
  readonly #queue: unknown[] = [];
  #running = false;
  #ending = false;
  #closed = false;
  #attached = false;
  /** The request whose reply waits on a promise (at most one: requests are handled one at a time). */
  #waiting: Record<string, unknown> | undefined;

  constructor(options: {
    socket: net.Socket;
    channel: ControlChannel;
    logger: Logger;
    maxFrameBytes: number | undefined;
  }) {
    this.#socket = options.socket;
    this.#channel = options.channel;
    this.#logger = options.logger;
    this.#decoder = new FrameDecoder({ maxFrameBytes: options.maxFrameBytes });
    this.#socket.setNoDelay(true);
    this.#socket.on('data', this.#onData);
    this.#socket.on('end', () => {
      this.#ending = true;
      if (!this.#running) this.#shutdown();
    });
    this.#socket.on('error', (error) =>
      this.#logger.debug(`control connection error: ${error.message}`),
    );
    this.#socket.on('close', () => this.#shutdown());
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#preface) {
      this.#readPreface(chunk);
      return;
    }
    this.#feed(chunk);
  };

  #feed(chunk: Buffer, from = 0): void {
    // Line by line: a refusal of an oversized line must come after the replies to the lines completed
    // before it in the same chunk, in order. The decoder copies what it keeps of a partial line.
    for (let start = from; start < chunk.length; ) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      if (!this.#push(chunk, start, end)) return;
      start = end;
    }
  }

  /** Feeds the decoder `chunk[start, end)`, holding at most one newline (at its end); false once refused. */
  #push(chunk: Buffer, start: number, end: number): boolean {
    let frame: DecodedFrame | undefined;
    try {
      frame = this.#decoder.pushLine(chunk, start, end);
    } catch (error) {
      this.#refuseOversized(error as HudError);
      return false;
    }
    if (frame !== undefined) this.#enqueueDecoded(frame);
    return true;
  }

  /** Over the limit: stop reading at once; the refusal (error frame, then close) is queued in order. */
  #refuseOversized(error: HudError): void {
    this.#socket.pause();
    this.#socket.off('data', this.#onData);
    this.#enqueue({ invalid: error });
  }

  #enqueueDecoded(frame: DecodedFrame): void {
    this.#enqueue(frame.kind === 'frame' ? frame.value : { invalid: frame.error });
  }

  /**
   * Routes the connection by its first line. Bytes before its newline go through the decoder like any
   * other (so an oversized first line is refused as soon as it passes the limit, tunnel.open or not); the
   * first complete frame decides between a capability stream and a control session.
   */
  #readPreface(chunk: Buffer): void {
    const newline = chunk.indexOf(NEWLINE);
    if (newline === -1) {
      this.#push(chunk, 0, chunk.length);
      return;
    }
    this.#preface = false;
    let first: DecodedFrame;
    try {
      first = this.#decoder.pushLine(chunk, 0, newline + 1) as DecodedFrame;
    } catch (error) {
      this.#refuseOversized(error as HudError);
      return;
    }
    if (
      first.kind === 'frame' &&
      isObjectFrame(first.value) &&
      first.value.method === Method.TunnelOpen
    ) {
      const request = first.value;
      this.#socket.off('data', this.#onData);
      this.#socket.removeAllListeners('end');
      openTunnel({
        socket: this.#socket,
        id: request.id as RequestId | undefined,
        params: request.params,
        remainder: Buffer.from(chunk.subarray(newline + 1)),
        env: this.#channel.env,
        logger: this.#logger,
        authorize: (params) => this.#channel.checkToken(params),
      });
      return;
    }
    this.#enqueueDecoded(first);
    if (newline + 1 < chunk.length) this.#feed(chunk, newline + 1);
  }

  #enqueue(frame: unknown): void {
    if (this.#closed) return;
    if (!this.#attached) {
      this.#attached = true;
      this.#channel.attach(this);
    }
    if (this.#running) this.#queue.push(frame);
    else this.#run(frame);
  }

  /**
   * Handles `first`, then the queued frames, in order. A reply that is ready at once (most are, and a
   * template's promise settles within the same turn) is written without going through a promise of this
   * connection; the first that has to wait suspends the loop until it settles
   * ({@link ControlConnection.#resume}).
   */
  #run(first?: unknown): void {
    this.#running = true;
    // `first` skips the queue (no frame is undefined: JSON has no such value).
    let frame = first;
    while (!this.#closed) {
      if (frame === undefined) {
        if (this.#queue.length === 0) break;
        frame = this.#queue.shift();
      }
      const handled = this.#handle(frame);
      frame = undefined;
      if (handled === undefined) return; // #resume goes on once the reply is written
      if (!handled) {
        this.#stop();
        break;
      }
    }
    this.#running = false;
    if (this.#ending) this.#shutdown();
  }

  /** Goes on after a reply that had to wait; `keepGoing` as {@link ControlConnection.#handle} returns it. */
  #resume(keepGoing: boolean): void {
    if (keepGoing) {
      this.#run();
      return;
    }
    this.#stop();
    this.#running = false;
    if (this.#ending) this.#shutdown();
  }

  /** A frame ended the session: drops what is queued behind it and closes. */
  #stop(): void {
    this.#queue.length = 0;
    this.#shutdown();
  }

  /**
   * Handles one frame: false when the connection must close; undefined when the reply waits on a promise
   * (a template), and then {@link ControlConnection.#resume} is called once it is written. Never throws:
   * every failure becomes an error frame.
   */
  #handle(frame: unknown): boolean | undefined {
    if (isObjectFrame(frame) && 'invalid' in frame && HudError.isInstance(frame.invalid)) {
      const error = frame.invalid;
      const code = error.code === 'invalid_frame' ? ErrorCode.ParseError : ErrorCode.InvalidRequest;
      this.#logger.warn(`closing control connection: ${error.message}`);
      this.#write(encodeError(null, code, error.message));
      return false;
    }
    if (!isObjectFrame(frame)) {
      const message = `invalid request: a frame must be a JSON object, got ${frame === null ? 'null' : Array.isArray(frame) ? 'an array' : typeof frame}`;
      this.#logger.warn(`closing control connection: ${message}`);
      this.#write(encodeError(null, ErrorCode.InvalidRequest, message));
      return false;
    }
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.#channel.handle(this, frame.method, frame.params);
    } catch (error) {
      return this.#refuse(frame, error);
    }
    if (outcome instanceof Promise) {
      // One request at a time: the one waiting is kept in a field, so no closures per request.
      this.#waiting = frame;
      outcome.then(this.#onSettled, this.#onFailed);
      return undefined;
    }
    return this.#reply(frame, outcome);
  }

  readonly #onSettled = (outcome: Outcome): void => {
    const request = this.#waiting as Record<string, unknown>;
    this.#waiting = undefined;
    this.#resume(this.#reply(request, outcome));
  };

  readonly #onFailed = (error: unknown): void => {
    const request = this.#waiting as Record<string, unknown>;
    this.#waiting = undefined;
    this.#resume(this.#refuse(request, error));
  };

  /** Writes the result of `request` (unless it is a notification); false when the session ends. */
  #reply(request: Record<string, unknown>, outcome: Outcome): boolean {
    const id = request.id as RequestId | undefined;
    try {
      if (id !== undefined && id !== null) this.#write(encodeResult(id, outcome.result));
      return !outcome.closeAfter;
    } catch (error) {
      return this.#refuse(request, error);
    }
  }

  /** Writes the error frame for `error`, thrown while handling `request`; false when the session ends. */
  #refuse(request: Record<string, unknown>, error: unknown): boolean {
    const id = request.id as RequestId | undefined;
    const wire = WireError.isInstance(error)
      ? error
      : new WireError(
          ErrorCode.ServerError,
          error instanceof Error ? error.message : String(error),
        );
    if (wire.code === ErrorCode.ServerError) {
      this.#logger.error(
        `error handling ${String(request.method)}: ${(error as Error)?.stack ?? wire.message}`,
      );
    }
    if (id !== undefined && id !== null) this.#write(encodeError(id, wire.code, wire.message));
    // The error says whether it ends the session (a refused token), never its text.
    return !wire.closesConnection;
  }

  #write(line: string): void {
    if (!this.#socket.destroyed) this.#socket.write(line);
  }

  /**
   * Ends the session at once (its task parks) and closes the socket once the replies are flushed, as
   * hud-python's `writer.close()`: a peer that never closes its side must not keep the session live.
   */
  #shutdown(): void {
    if (this.#attached) {
      this.#attached = false;
      this.#channel.detach(this);
    }
    this.#closed = true;
    closeGracefully(this.#socket);
  }

  /** Drops the connection at once (server shutdown). */
  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }
}
