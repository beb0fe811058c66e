import net from 'node:net';
import { withTimeLimit } from '@hud/protocol';

/** How long any one wait of a {@link WireClient} may take by default (a deadline, not a timing claim). */
export const WIRE_DEADLINE_MS = 10_000;

/** Options of {@link WireClient.connect}. */
export interface WireClientOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** The deadline of the connect and of every wait without its own, in ms (default {@link WIRE_DEADLINE_MS}). */
  deadlineMs?: number;
}

/**
 * A plain TCP test client speaking raw lines to a control port, as hud-python's recorder did: it writes
 * bytes verbatim, reads lines or raw bytes back from one buffer, and tells the server's end of stream apart.
 *
 * Two reading styles: `line()` / `bytes()` / `rest()` reject when the stream ends first (for tests that
 * expect an answer), `nextLine()` / `nextBytes()` / `untilEnd()` resolve with `null` or what arrived (for
 * tests that probe whether the server closed). Every wait rejects with `Error('deadline passed waiting for
 * <what>')` after its deadline.
 */
export class WireClient {
  readonly socket: net.Socket;
  readonly #deadlineMs: number;
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;
  #closed = false;
  #waiters: (() => void)[] = [];
  #nextId = 1;

  private constructor(socket: net.Socket, deadlineMs: number) {
    this.socket = socket;
    this.#deadlineMs = deadlineMs;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#closed = true;
      this.#wake();
    });
    // A reset ends the stream; 'close' follows.
    socket.on('error', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  /**
   * Connects to `host:port` (half-open allowed: the server may end its side while we still write).
   * @throws the socket's error (ECONNREFUSED…), or the deadline error.
   */
  static connect(port: number, options: WireClientOptions = {}): Promise<WireClient> {
    const deadlineMs = options.deadlineMs ?? WIRE_DEADLINE_MS;
    return withDeadline(
      new Promise((resolve, reject) => {
        const socket = net.connect({
          host: options.host ?? '127.0.0.1',
          port,
          allowHalfOpen: true,
        });
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(new WireClient(socket, deadlineMs));
        });
        socket.once('error', reject);
      }),
      `connect to ${port}`,
      deadlineMs,
    );
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Waits until `take` returns a value (re-checked on every socket event), then resolves with it. */
  #waitFor<T>(take: () => T | undefined, what: string, ms = this.#deadlineMs): Promise<T> {
    return withDeadline(
      new Promise<T>((resolve) => {
        const check = () => {
          const value = take();
          if (value !== undefined) resolve(value);
          else this.#waiters.push(check);
        };
        check();
      }),
      what,
      ms,
    );
  }

  /** Whether the server ended its side of the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes `frame` as one compact JSON line. */
  send(frame: unknown): void {
    this.socket.write(`${JSON.stringify(frame)}\n`);
  }

  /** Sends a request with the next integer id (or `id`) and returns the reply line. */
  async call(method: string, params?: unknown, id?: unknown): Promise<string> {
    const frame: Record<string, unknown> = { jsonrpc: '2.0', id: id ?? this.#nextId++, method };
    if (params !== undefined) frame.params = params;
    this.send(frame);
    return this.line();
  }

  /** Sends a request and returns the parsed reply. */
  async request(method: string, params?: unknown): Promise<Record<string, unknown>> {
    return JSON.parse(await this.call(method, params));
  }

  /** Takes the next line (without its newline) off the buffer, if a whole one is there. */
  #takeLine(): string | undefined {
    const newline = this.#buffer.indexOf(0x0a);
    if (newline === -1) return undefined;
    const line = this.#buffer.subarray(0, newline).toString('utf8');
    this.#buffer = this.#buffer.subarray(newline + 1);
    return line;
  }

  /** Takes up to `count` bytes off the buffer. */
  #takeBytes(count: number): Buffer {
    const bytes = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(bytes.length);
    return bytes;
  }

  /**
   * The next line from the server, without its newline.
   * @throws Error when the stream ends before a full line.
   */
  async line(): Promise<string> {
    const line = await this.nextLine();
    if (line === null) {
      throw new Error(`stream ended before a full line (pending: ${this.#buffer.toString()})`);
    }
    return line;
  }

  /** The next line without its newline, or `null` when the stream ends first. */
  nextLine(timeoutMs?: number): Promise<string | null> {
    return this.#waitFor(
      () => this.#takeLine() ?? (this.#ended ? null : undefined),
      'a line',
      timeoutMs,
    );
  }

  /**
   * Exactly `count` raw bytes (tunnel mode).
   * @throws Error when the stream ends before `count` bytes.
   */
  async bytes(count: number): Promise<Buffer> {
    const bytes = await this.nextBytes(count);
    if (bytes.length < count) {
      throw new Error(`stream ended after ${bytes.length} of ${count} bytes`);
    }
    return bytes;
  }

  /** Exactly `count` bytes, or fewer when the stream ends first. */
  nextBytes(count: number, timeoutMs?: number): Promise<Buffer> {
    return this.#waitFor(
      () => (this.#buffer.length >= count || this.#ended ? this.#takeBytes(count) : undefined),
      `${count} bytes`,
      timeoutMs,
    );
  }

  /** Everything the server sends until it ends the stream (empty when it closed cleanly). */
  rest(): Promise<Buffer> {
    return this.untilEnd();
  }

  /** {@link rest} with its own deadline. */
  untilEnd(timeoutMs?: number): Promise<Buffer> {
    return this.#waitFor(
      () => (this.#ended ? this.#takeBytes(this.#buffer.length) : undefined),
      'the end of the stream',
      timeoutMs,
    );
  }

  /** Waits until the server ends the stream; returns what it sent meanwhile as text. */
  async endOfStream(): Promise<string> {
    return (await this.rest()).toString('utf8');
  }

  /** Waits until the socket is fully closed. */
  async closed(): Promise<void> {
    await this.#waitFor(() => this.#closed || undefined, 'the socket to close');
  }

  /** Half-closes our side. */
  end(): void {
    this.socket.end();
  }

  /** Ends and waits for the server to close the connection. */
  async close(): Promise<void> {
    this.socket.end();
    await this.#waitFor(() => this.#ended || undefined, 'the server to close');
    this.socket.destroy();
    await this.closed();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * `promise`, or a rejection `Error('deadline passed waiting for <what>')` after `ms`.
 * @throws the promise's rejection, or the deadline error.
 */
export function withDeadline<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
  return withTimeLimit(promise, ms, () => new Error(`deadline passed waiting for ${what}`));
}
