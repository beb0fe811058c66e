import net from 'node:net';

/**
 * A test client socket that reads lines and raw bytes from one buffer, with deadlines, and tells EOF apart.
 */
export class WireSocket {
  readonly socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #ended = false;
  #waiters: (() => void)[] = [];

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
      this.#wake();
    });
    socket.on('error', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<WireSocket> {
    const socket = net.connect({ port, host, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new WireSocket(socket);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  async #waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  /** The next line without its newline, or `null` at EOF. */
  nextLine(timeoutMs = 10_000): Promise<string | null> {
    return this.#waitFor(
      () => {
        const newline = this.#buffer.indexOf(0x0a);
        if (newline !== -1) {
          const line = this.#buffer.subarray(0, newline).toString('utf8');
          this.#buffer = this.#buffer.subarray(newline + 1);
          return line;
        }
        return this.#ended ? null : undefined;
      },
      timeoutMs,
      'a line',
    );
  }

  /** Exactly `count` bytes, or fewer if EOF comes first. */
  nextBytes(count: number, timeoutMs = 10_000): Promise<Buffer> {
    return this.#waitFor(
      () => {
        if (this.#buffer.length >= count || this.#ended) {
          const bytes = this.#buffer.subarray(0, count);
          this.#buffer = this.#buffer.subarray(bytes.length);
          return bytes;
        }
        return undefined;
      },
      timeoutMs,
      `${count} bytes`,
    );
  }

  /** Resolves with whatever arrived before EOF (empty when the peer closed cleanly). */
  untilEnd(timeoutMs = 10_000): Promise<Buffer> {
    return this.#waitFor(
      () => {
        if (!this.#ended) return undefined;
        const rest = this.#buffer;
        this.#buffer = Buffer.alloc(0);
        return rest;
      },
      timeoutMs,
      'end of stream',
    );
  }

  destroy(): void {
    this.socket.destroy();
  }
}
