import { Buffer, constants as bufferConstants } from 'node:buffer';
import { HudError } from './errors.js';

/** Default largest frame accepted, in bytes of JSON before the newline: 64 MiB (hud-python: 64 KiB). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Largest `maxFrameBytes` a {@link FrameDecoder} accepts: the longest string V8 can hold (about 512 MiB on
 * 64-bit Node), since a frame is decoded as one string before `JSON.parse`.
 */
export const MAX_FRAME_BYTES_LIMIT = bufferConstants.MAX_STRING_LENGTH;

const NEWLINE = 0x0a;
/** The unfinished-line store grows in multiples of this (and at least doubles each time). */
const GROWTH_STEP = 64 * 1024;

/** What {@link FrameDecoder.push} yields per complete line. */
export type DecodedFrame =
  | { kind: 'frame'; value: unknown; bytes: number }
  | { kind: 'invalid'; error: HudError; bytes: number };

/**
 * Streaming decoder for newline-delimited JSON frames (the hud-python control channel framing).
 *
 * Each byte is scanned for the newline once. A line that arrives whole within one chunk is parsed in
 * place; the bytes of an unfinished line are copied into one store (the caller's chunks are never kept, so
 * a caller may reuse its read buffer), a resizable `ArrayBuffer` that reserves `maxFrameBytes` of address
 * space and commits pages as the line grows: O(size) per frame, no `Buffer.concat`, and when the line
 * completes or is refused the store shrinks to zero, which hands its pages back to the operating system at
 * once rather than at the next garbage collection.
 *
 * A line longer than `maxFrameBytes` (excluding the newline) is refused by the first chunk that passes the
 * limit, without waiting for the newline; the decoder never holds more than `maxFrameBytes` bytes.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  #store: ArrayBuffer | undefined;
  #pendingBytes = 0;

  /**
   * @param options.maxFrameBytes largest line accepted, bytes before the newline (default 64 MiB).
   * @throws HudError `invalid_argument` when `maxFrameBytes` is not an integer in 0..{@link MAX_FRAME_BYTES_LIMIT}.
   */
  constructor(options: { maxFrameBytes?: number } = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 0 || max > MAX_FRAME_BYTES_LIMIT) {
      throw new HudError(
        'invalid_argument',
        `maxFrameBytes must be a whole number of bytes from 0 to ${MAX_FRAME_BYTES_LIMIT} (the longest string a frame can decode to), got ${max}`,
      );
    }
    this.maxFrameBytes = max;
  }

  /** Bytes received after the last complete line. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Bytes of address space the decoder has committed for the unfinished line (its store's length; only
   * the written part is resident): never more than `maxFrameBytes`, and 0 once the line completed or was
   * refused.
   */
  get retainedBytes(): number {
    return this.#store?.byteLength ?? 0;
  }

  /**
   * Feeds one chunk and returns every line it completes, parsed. Unparseable lines come back as
   * `{kind: 'invalid'}` (decoding can go on after them). The chunk is not kept: the caller may reuse it.
   * @throws HudError `frame_too_large` when a line exceeds `maxFrameBytes`, as soon as this chunk passes the
   *   limit; the unfinished line is dropped (the caller should close the connection).
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    const frames: DecodedFrame[] = [];
    const bytes = asBuffer(chunk);
    let start = 0;
    let newline = bytes.indexOf(NEWLINE, start);
    while (newline !== -1) {
      frames.push(this.#completeLine(bytes, start, newline));
      start = newline + 1;
      newline = bytes.indexOf(NEWLINE, start);
    }
    if (start < bytes.length) this.#keep(bytes, start, bytes.length);
    return frames;
  }

  /**
   * {@link push} for a caller that splits lines itself and handles each frame as it completes (no array,
   * no copies of a line that arrives whole): feeds `chunk[start, end)`, whose only newline, if any, must
   * be its last byte, and returns the frame that newline completes, else undefined (the bytes are kept
   * as the start of a line). Same limits and errors as {@link push}; the chunk is not kept.
   * @throws HudError `frame_too_large` when the line exceeds `maxFrameBytes`.
   */
  pushLine(chunk: Uint8Array, start = 0, end = chunk.length): DecodedFrame | undefined {
    const bytes = asBuffer(chunk);
    if (end > start && bytes[end - 1] === NEWLINE) return this.#completeLine(bytes, start, end - 1);
    if (start < end) this.#keep(bytes, start, end);
    return undefined;
  }

  /** The frame of the line made of the unfinished line plus `bytes[start, newline)`. */
  #completeLine(bytes: Buffer, start: number, newline: number): DecodedFrame {
    const lineBytes = this.#pendingBytes + (newline - start);
    this.#checkSize(lineBytes);
    if (this.#pendingBytes === 0) return parseLine(bytes, start, newline);
    this.#append(bytes.subarray(start, newline));
    const frame = parseLine(Buffer.from(this.#store as ArrayBuffer, 0, lineBytes), 0, lineBytes);
    this.#release();
    return frame;
  }

  /** Keeps `bytes[start, end)` (no newline) as the start, or more, of the unfinished line. */
  #keep(bytes: Buffer, start: number, end: number): void {
    this.#checkSize(this.#pendingBytes + (end - start));
    this.#append(bytes.subarray(start, end));
  }

  /**
   * Takes whatever follows the last complete line (used when a connection turns into a raw byte stream).
   */
  takeRemainder(): Buffer {
    const rest =
      this.#pendingBytes === 0
        ? Buffer.alloc(0)
        : Buffer.from(new Uint8Array(this.#store as ArrayBuffer, 0, this.#pendingBytes));
    this.#release();
    return rest;
  }

  #append(bytes: Uint8Array): void {
    const needed = this.#pendingBytes + bytes.length;
    this.#store ??= new ArrayBuffer(0, { maxByteLength: this.maxFrameBytes });
    const store = this.#store;
    if (needed > store.byteLength) {
      // Doubling: few resizes. Pages are committed by the resize but only become resident when written.
      const grown = Math.max(needed, store.byteLength * 2, GROWTH_STEP);
      store.resize(Math.min(Math.ceil(grown / GROWTH_STEP) * GROWTH_STEP, this.maxFrameBytes));
    }
    // A fixed-length view: `set` on a length-tracking view of a resizable buffer takes a slow path.
    new Uint8Array(store, this.#pendingBytes, bytes.length).set(bytes);
    this.#pendingBytes = needed;
  }

  /** Forgets the unfinished line and gives its pages back (shrinking decommits them). */
  #release(): void {
    this.#store?.resize(0);
    this.#pendingBytes = 0;
  }

  #checkSize(lineBytes: number): void {
    if (lineBytes > this.maxFrameBytes) {
      this.#release();
      throw new HudError(
        'frame_too_large',
        `frame exceeds the limit of ${this.maxFrameBytes} bytes (at least ${lineBytes} bytes before the newline)`,
      );
    }
  }
}

/** `chunk` as a Buffer over the same memory (no copy). */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Parses the line `bytes[start, end)` (UTF-8 JSON, without its newline). */
function parseLine(bytes: Buffer, start: number, end: number): DecodedFrame {
  try {
    return {
      kind: 'frame',
      value: JSON.parse(bytes.toString('utf8', start, end)),
      bytes: end - start,
    };
  } catch (cause) {
    // 240 bytes hold at least 60 characters: no need to decode a huge line twice for the preview.
    const head = bytes.toString('utf8', start, Math.min(end, start + 240));
    const preview = head.length > 60 || end - start > 240 ? `${head.slice(0, 60)}…` : head;
    return {
      kind: 'invalid',
      bytes: end - start,
      error: new HudError(
        'invalid_frame',
        `frame is not valid JSON (${(cause as Error).message}): ${JSON.stringify(preview)}`,
        { cause },
      ),
    };
  }
}
