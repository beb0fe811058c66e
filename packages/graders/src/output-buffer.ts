/** Default cap of captured stdout and of captured stderr: 1 MiB each. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
function completeUtf8Length(bytes: Buffer): number {
  let start = bytes.length - 1;
  let continuation = 0;
  while (start >= 0 && continuation < 3 && ((bytes[start] as number) & 0xc0) === 0x80) {
    start -= 1;
    continuation += 1;
  }
  if (start < 0) return bytes.length;
  const lead = bytes[start] as number;
  const width = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + width <= bytes.length ? bytes.length : start;
}

/**
 * Collects a stream's bytes up to `maxBytes`, keeping the head and counting what it drops; keeps
 * accepting data past the cap so the writer never blocks on a full pipe.
 */
export class OutputBuffer {
  readonly #maxBytes: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(chunk: Buffer): void {
    const room = this.#maxBytes - this.#kept;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, Math.max(0, room));
    if (part.length > 0) {
      this.#chunks.push(part);
      this.#kept += part.length;
    }
    this.#dropped += chunk.length - part.length;
  }

  /** The captured text; when bytes were dropped it ends with `\n…[truncated N bytes]`. */
  text(): string {
    const bytes = Buffer.concat(this.#chunks);
    if (this.#dropped === 0) return bytes.toString('utf8');
    const cut = completeUtf8Length(bytes);
    const dropped = this.#dropped + bytes.length - cut;
    return `${bytes.subarray(0, cut).toString('utf8')}\n…[truncated ${dropped} bytes]`;
  }
}
