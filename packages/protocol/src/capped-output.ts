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
 * Collects a stream's bytes up to `maxBytes` (a byte count; `Infinity` keeps everything), keeping the head
 * and counting what it drops; keeps accepting data past the cap so the writer never blocks on a full pipe.
 * Captures the stdout and stderr of commands run by `SshClient.exec`, the workspace executor of
 * `@hud/environment` and the `LocalCommandExecutor` of `@hud/graders`.
 * @example
 * const stdout = new CappedOutput(1024 * 1024);
 * child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
 * child.on('close', () => console.log(stdout.text()));
 */
export class CappedOutput {
  readonly #maxBytes: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Keeps what still fits of `chunk` and counts the rest as dropped. */
  push(chunk: Buffer): void {
    const room = Math.max(0, this.#maxBytes - this.#kept);
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    if (part.length > 0) {
      this.#chunks.push(part);
      this.#kept += part.length;
    }
    this.#dropped += chunk.length - part.length;
  }

  /**
   * The captured bytes as UTF-8 text. When bytes were dropped the text ends with `\n…[truncated N bytes]`,
   * after the last whole character kept: a character the cap cut in two is dropped and counted in N.
   */
  text(): string {
    const bytes = Buffer.concat(this.#chunks);
    if (this.#dropped === 0) return bytes.toString('utf8');
    const cut = completeUtf8Length(bytes);
    const dropped = this.#dropped + bytes.length - cut;
    return `${bytes.subarray(0, cut).toString('utf8')}\n…[truncated ${dropped} bytes]`;
  }
}
