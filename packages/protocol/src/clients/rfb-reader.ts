import type { Socket } from 'node:net';
import { HudError } from '../errors.js';

interface PendingRead {
  length: number;
  resolve: (bytes: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * Reads exact byte counts from a socket (RFB messages have no framing, so the client reads each field by
 * its length). One read is outstanding at a time; a read fails once the socket ends, errors or is closed.
 */
export class SocketReader {
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #pending: PendingRead | undefined;
  #failure: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#pump();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('end', () =>
      this.fail(new HudError('connection_closed', 'the RFB server closed the connection')),
    );
    socket.on('close', () =>
      this.fail(new HudError('connection_closed', 'the RFB connection is closed')),
    );
  }

  /** Bytes received and not read yet. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * The next `length` bytes.
   * @throws the socket's error, or HudError `connection_closed` when it ended first.
   */
  read(length: number): Promise<Buffer> {
    if (this.#pending !== undefined) {
      return Promise.reject(new Error('SocketReader: a read is already outstanding'));
    }
    if (length <= this.#buffered) return Promise.resolve(this.#take(length));
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending = { length, resolve, reject };
    });
  }

  /** Fails the outstanding and every later read with `error` (the first failure wins). */
  fail(error: Error): void {
    this.#failure ??= error;
    const pending = this.#pending;
    if (pending !== undefined && pending.length > this.#buffered) {
      this.#pending = undefined;
      pending.reject(this.#failure);
    }
  }

  #pump(): void {
    const pending = this.#pending;
    if (pending === undefined || pending.length > this.#buffered) return;
    this.#pending = undefined;
    pending.resolve(this.#take(pending.length));
  }

  #take(length: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= length) {
      // The common case: the field sits in one chunk.
      this.#buffered -= length;
      if (first.length === length) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(length);
      return first.subarray(0, length);
    }
    const joined = Buffer.concat(this.#chunks);
    this.#chunks.length = 0;
    if (joined.length > length) this.#chunks.push(joined.subarray(length));
    this.#buffered -= length;
    return joined.subarray(0, length);
  }
}
