import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Deadline for any single wait in these tests (a deadline, not a timing claim). */
export const DEADLINE_MS = 4_000;

function deadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline passed waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A plain TCP client speaking raw lines to a control port, as hud-python's recorder did: it writes
 * bytes verbatim and reads lines (or raw bytes) back, and sees the server's end of stream.
 */
export class WireClient {
  readonly socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;
  #closed = false;
  #waiters: (() => void)[] = [];
  #nextId = 1;

  private constructor(socket: net.Socket) {
    this.socket = socket;
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
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<WireClient> {
    return deadline(
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(new WireClient(socket));
        });
        socket.once('error', reject);
      }),
      `connect to ${port}`,
    );
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async #until(ready: () => boolean, what: string): Promise<void> {
    await deadline(
      new Promise<void>((resolve) => {
        const check = () => {
          if (ready()) resolve();
          else this.#waiters.push(check);
        };
        check();
      }),
      what,
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

  /** The next line from the server, without its newline. Rejects at end of stream. */
  async line(): Promise<string> {
    await this.#until(() => this.#buffer.includes(0x0a) || this.#ended, 'a line');
    const newline = this.#buffer.indexOf(0x0a);
    if (newline === -1) {
      throw new Error(`stream ended before a full line (pending: ${this.#buffer.toString()})`);
    }
    const line = this.#buffer.subarray(0, newline).toString('utf8');
    this.#buffer = this.#buffer.subarray(newline + 1);
    return line;
  }

  /** Exactly `count` raw bytes (tunnel mode). */
  async bytes(count: number): Promise<Buffer> {
    await this.#until(() => this.#buffer.length >= count || this.#ended, `${count} bytes`);
    if (this.#buffer.length < count) {
      throw new Error(`stream ended after ${this.#buffer.length} of ${count} bytes`);
    }
    const out = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return out;
  }

  /** Everything the server sends until it ends the stream. */
  async rest(): Promise<Buffer> {
    await this.#until(() => this.#ended, 'the end of the stream');
    const out = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return out;
  }

  /** Waits until the server ends the stream; returns what it sent meanwhile as text. */
  async endOfStream(): Promise<string> {
    return (await this.rest()).toString('utf8');
  }

  /** Waits until the socket is fully closed. */
  async closed(): Promise<void> {
    await this.#until(() => this.#closed, 'the socket to close');
  }

  /** Half-closes our side. */
  end(): void {
    this.socket.end();
  }

  /** Ends and waits for the server to close the connection. */
  async close(): Promise<void> {
    this.socket.end();
    await this.#until(() => this.#ended, 'the server to close');
    this.socket.destroy();
    await this.closed();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Polls `check` until it returns true (deadline `ms`, default `DEADLINE_MS`). */
export async function eventually(
  check: () => boolean,
  what: string,
  ms = DEADLINE_MS,
): Promise<void> {
  let stop = false;
  try {
    await deadline(
      new Promise<void>((resolve) => {
        const tick = () => {
          if (check()) resolve();
          else if (!stop) setTimeout(tick, 5);
        };
        tick();
      }),
      what,
      ms,
    );
  } finally {
    stop = true;
  }
}

/** Sleeps (only ever used to let a TTL pass, never to assert a duration). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface TranscriptEntry {
  dir: 'c2s' | 's2c';
  conn: number;
  wire?: string;
  event?: string;
}

/** The recorded wire lines of one direction of one connection of a hud-python transcript. */
export function recordedLines(file: string, dir: 'c2s' | 's2c', conn = 1): string[] {
  const url = new URL(`./hud-python-0.6.16/${file}`, import.meta.url);
  const transcript = JSON.parse(readFileSync(url, 'utf8')) as { transcript: TranscriptEntry[] };
  return transcript.transcript
    .filter((entry) => entry.dir === dir && entry.conn === conn && entry.wire !== undefined)
    .map((entry) => entry.wire as string);
}
