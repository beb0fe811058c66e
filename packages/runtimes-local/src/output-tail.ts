/** Limits of an {@link OutputTail}: lines and UTF-16 code units (≈ bytes for ASCII output). */
export interface OutputTailLimits {
  /** Default 50 (hud-python `SubprocessRuntime` keeps the last 50 output lines). */
  maxLines?: number;
  /** Default 16 KiB. */
  maxChars?: number;
}

/**
 * The last lines a child process wrote, assembled per stream (so stdout and stderr never splice inside a
 * line) and bounded in lines and characters, whatever the child writes.
 */
export class OutputTail {
  readonly #maxLines: number;
  readonly #maxChars: number;
  readonly #lines: string[] = [];
  #chars = 0;
  readonly #partial = new Map<string, string>();

  constructor(limits: OutputTailLimits = {}) {
    this.#maxLines = limits.maxLines ?? 50;
    this.#maxChars = limits.maxChars ?? 16 * 1024;
  }

  /** Appends a decoded chunk of `stream`; returns the complete lines it finished, in order. */
  write(stream: string, chunk: string): string[] {
    const text = (this.#partial.get(stream) ?? '') + chunk;
    const parts = text.split('\n');
    const rest = parts.pop() ?? '';
    // An endless line without a newline must not grow memory: keep only its tail.
    this.#partial.set(stream, rest.length > this.#maxChars ? rest.slice(-this.#maxChars) : rest);
    const lines = parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    for (const line of lines) this.push(line);
    return lines;
  }

  /** Flushes the unterminated last line of `stream` (call when it ends); returns it, if any. */
  end(stream: string): string | undefined {
    const rest = this.#partial.get(stream);
    this.#partial.delete(stream);
    if (rest) this.push(rest);
    return rest || undefined;
  }

  /** Records one complete line. */
  push(line: string): void {
    const kept = line.length > this.#maxChars ? line.slice(-this.#maxChars) : line;
    this.#lines.push(kept);
    this.#chars += kept.length + 1;
    while (
      this.#lines.length > this.#maxLines ||
      (this.#chars > this.#maxChars && this.#lines.length > 1)
    ) {
      this.#chars -= (this.#lines.shift() as string).length + 1;
    }
  }

  /** The kept lines joined with `\n`, plus any unterminated lines (`''` when nothing was written). */
  text(): string {
    const pending = [...this.#partial.values()].filter(Boolean);
    return [...this.#lines, ...pending].join('\n');
  }
}

/** One output line with the time it was seen and its stream. */
export interface TimedLine {
  /** ISO-8601 UTC. */
  time: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/**
 * The last complete lines of a child's output with their times and streams (what a job store keeps as the
 * run's LOGS), bounded in lines (default 2 000) and characters (default 512 Ki; a longer line keeps its
 * tail).
 */
export class TimedLines {
  readonly #maxLines: number;
  readonly #maxChars: number;
  readonly #lines: TimedLine[] = [];
  #chars = 0;

  constructor(limits: OutputTailLimits = {}) {
    this.#maxLines = limits.maxLines ?? 2_000;
    this.#maxChars = limits.maxChars ?? 512 * 1024;
  }

  /** Records `lines` of `stream`, seen now. */
  add(stream: 'stdout' | 'stderr', lines: readonly string[]): void {
    const time = new Date().toISOString();
    for (const raw of lines) {
      const line = raw.length > this.#maxChars ? raw.slice(-this.#maxChars) : raw;
      this.#lines.push({ time, stream, line });
      this.#chars += line.length + 1;
    }
    while (
      this.#lines.length > this.#maxLines ||
      (this.#chars > this.#maxChars && this.#lines.length > 1)
    ) {
      this.#chars -= (this.#lines.shift() as TimedLine).line.length + 1;
    }
  }

  /** The kept lines, oldest first (a copy). */
  lines(): TimedLine[] {
    return [...this.#lines];
  }
}
