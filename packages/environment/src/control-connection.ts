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
import type { ControlChannel, SessionHolder } from './control-channel.js';
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

  #feed(chunk: Buffer): void {
    // Line by line: push() throws on an oversized line and would lose the lines it completed before it in
    // the same chunk, which must still be answered, in order, before the refusal. The decoder copies what
    // it keeps of a partial line, so subarrays of the chunk are enough.
    for (let start = 0; start < chunk.length; ) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      if (!this.#push(chunk.subarray(start, end))) return;
      start = end;
    }
  }

  /** Feeds the decoder one piece holding at most one newline (at its end); false once refused. */
  #push(piece: Buffer): boolean {
    const frames = this.#decode(piece);
    for (const frame of frames ?? []) this.#enqueueDecoded(frame);
    return frames !== undefined;
  }

  /** The frames `piece` completes; undefined (reading stopped, refusal queued) when it passes the limit. */
  #decode(piece: Buffer): DecodedFrame[] | undefined {
    try {
      return this.#decoder.push(piece);
    } catch (error) {
      // Over the limit: stop reading at once; the refusal (error frame, then close) is queued in order.
      this.#socket.pause();
      this.#socket.off('data', this.#onData);
      this.#enqueue({ invalid: error as HudError });
      return undefined;
    }
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
      this.#push(chunk);
      return;
    }
    this.#preface = false;
    const frames = this.#decode(chunk.subarray(0, newline + 1));
    if (frames === undefined) return;
    const first = frames[0] as DecodedFrame;
    const rest = chunk.subarray(newline + 1);
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
        remainder: Buffer.from(rest),
        env: this.#channel.env,
        logger: this.#logger,
        authorize: (params) => this.#channel.checkToken(params),
      });
      return;
    }
    this.#enqueueDecoded(first);
    if (rest.length > 0) this.#feed(rest);
  }

  #enqueue(frame: unknown): void {
    if (this.#closed) return;
    if (!this.#attached) {
      this.#attached = true;
      this.#channel.attach(this);
    }
    this.#queue.push(frame);
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0 && !this.#closed) {
      const frame = this.#queue.shift();
      const keepGoing = await this.#handle(frame);
      if (!keepGoing) {
        this.#queue.length = 0;
        this.#shutdown();
        break;
      }
    }
    this.#running = false;
    if (this.#ending) this.#shutdown();
  }

  /** Handles one frame; returns false when the connection must close. */
  async #handle(frame: unknown): Promise<boolean> {
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
    const id = frame.id as RequestId | undefined;
    const answer = id !== undefined && id !== null;
    try {
      const outcome = await this.#channel.dispatch(this, frame.method, frame.params);
      if (answer) this.#write(encodeResult(id, outcome.result));
      return !outcome.closeAfter;
    } catch (error) {
      const wire = WireError.isInstance(error)
        ? error
        : new WireError(
            ErrorCode.ServerError,
            error instanceof Error ? error.message : String(error),
          );
      if (wire.code === ErrorCode.ServerError) {
        this.#logger.error(
          `error handling ${String(frame.method)}: ${(error as Error)?.stack ?? wire.message}`,
        );
      }
      if (answer) this.#write(encodeError(id, wire.code, wire.message));
      // The error says whether it ends the session (a refused token), never its text.
      return !wire.closesConnection;
    }
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
