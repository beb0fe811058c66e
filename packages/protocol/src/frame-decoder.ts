import { HudError } from './errors.js';

/** Default largest frame accepted, in bytes of JSON before the newline: 64 MiB (hud-python: 64 KiB). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;

/** What {@link FrameDecoder.push} yields per complete line. */
export type DecodedFrame =
  | { kind: 'frame'; value: unknown; bytes: number }
  | { kind: 'invalid'; error: HudError; bytes: number };

/**
 * Streaming decoder for newline-delimited JSON frames (the hud-python control channel framing).
 *
 * Each byte is scanned for the newline once: pending bytes are kept as a list of chunks and joined only when
 * a line completes, so a large frame arriving in many chunks costs O(size), not O(size²).
 * A line longer than `maxFrameBytes` (excluding the newline) raises as soon as the limit is passed, without
 * waiting for the newline; the caller should close the connection.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(options: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes received after the last complete line. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Feeds one chunk and returns every line it completes, parsed. Unparseable lines come back as
   * `{kind: 'invalid'}` (decoding can go on after them).
   * @throws HudError `frame_too_large` when a line exceeds `maxFrameBytes`; the decoder is then unusable.
   */
  push(chunk: Buffer): DecodedFrame[] {
    const frames: DecodedFrame[] = [];
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const lineBytes = this.#pendingBytes + (newline - start);
      this.#checkSize(lineBytes);
      let line: Buffer;
      if (this.#pendingBytes === 0) {
        line = chunk.subarray(start, newline);
      } else {
        this.#pending.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.#pending, lineBytes);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      frames.push(parseLine(line));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      const rest = chunk.length - start;
      this.#checkSize(this.#pendingBytes + rest);
      // Copy only when the chunk is mostly consumed; a retained subarray would pin the whole chunk.
      this.#pending.push(start === 0 ? chunk : Buffer.from(chunk.subarray(start)));
      this.#pendingBytes += rest;
    }
    return frames;
  }

  /**
   * Takes whatever follows the last complete line (used when a connection turns into a raw byte stream).
   */
  takeRemainder(): Buffer {
    const rest = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return rest;
  }

  #checkSize(lineBytes: number): void {
    if (lineBytes > this.maxFrameBytes) {
      this.#pending = [];
      this.#pendingBytes = 0;
      throw new HudError(
        'frame_too_large',
        `frame exceeds the limit of ${this.maxFrameBytes} bytes (at least ${lineBytes} bytes before the newline)`,
      );
    }
  }
}

function parseLine(line: Buffer): DecodedFrame {
  const text = line.toString('utf8');
  try {
    return { kind: 'frame', value: JSON.parse(text), bytes: line.length };
  } catch (cause) {
    const preview = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    return {
      kind: 'invalid',
      bytes: line.length,
      error: new HudError(
        'invalid_frame',
        `frame is not valid JSON (${(cause as Error).message}): ${JSON.stringify(preview)}`,
        { cause },
      ),
    };
  }
}
