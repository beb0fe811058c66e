import type { Readable, Writable } from 'node:stream';

/** One DevTools protocol message as it crosses the pipe (a command, its reply, or an event). */
export interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  sessionId?: string;
  [key: string]: unknown;
}

const NUL = 0x00;

/**
 * Chromium's `--remote-debugging-pipe` transport: JSON messages, each ended by a NUL byte, written to the
 * browser's fd 3 and read from its fd 4 (Chromium `devtools_pipe_handler.cc`). One browser-level
 * DevTools connection; {@link CdpFront} multiplexes clients over it with sessions.
 */
export class CdpPipe {
  readonly #input: Writable;
  #pending: Buffer[] = [];
  #listener: ((message: CdpMessage) => void) | undefined;
  readonly #closed: Promise<void>;

  /**
   * @param input the stream to the browser's fd 3.
   * @param output the stream from the browser's fd 4.
   */
  constructor(input: Writable, output: Readable) {
    this.#input = input;
    input.on('error', () => undefined);
    output.on('data', (chunk: Buffer) => this.#read(chunk));
    this.#closed = new Promise((resolve) => {
      output.once('close', () => resolve());
      output.once('end', () => resolve());
      output.once('error', () => resolve());
    });
  }

  /** Resolves when the browser's end of the pipe is gone (it exited). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Receives every message the browser sends (replaces an earlier listener). */
  onMessage(listener: (message: CdpMessage) => void): void {
    this.#listener = listener;
  }

  /** Sends one message (dropped when the browser is gone). */
  send(message: CdpMessage): void {
    if (this.#input.writable) this.#input.write(`${JSON.stringify(message)}\0`);
  }

  #read(chunk: Buffer): void {
    let start = 0;
    let end = chunk.indexOf(NUL, start);
    while (end !== -1) {
      const piece = chunk.subarray(start, end);
      const bytes = this.#pending.length === 0 ? piece : Buffer.concat([...this.#pending, piece]);
      this.#pending = [];
      this.#deliver(bytes);
      start = end + 1;
      end = chunk.indexOf(NUL, start);
    }
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
  }

  #deliver(bytes: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(bytes.toString('utf8'));
    } catch {
      return; // Chromium only sends JSON; a broken message is dropped rather than derailing the rest.
    }
    if (typeof message === 'object' && message !== null) this.#listener?.(message as CdpMessage);
  }
}
