/**
 * The last lines written to a stream of chunks (a command's stdout and stderr), for error messages and
 * `logs()`: chunks may split lines anywhere; `\n` ends a line.
 */
export class OutputTail {
  readonly #lines: string[] = [];
  readonly #limit: number;
  #partial = '';

  /** @param limit lines kept (default 50). */
  constructor(limit = 50) {
    this.#limit = limit;
  }

  /** Appends a chunk (any split: lines are joined across chunks). */
  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    this.#lines.push(...parts);
    if (this.#lines.length > this.#limit) this.#lines.splice(0, this.#lines.length - this.#limit);
  }

  /** The last lines, oldest first, joined by `\n` (the unfinished line included). */
  text(): string {
    const lines = this.#partial ? [...this.#lines, this.#partial] : this.#lines;
    return lines.slice(-this.#limit).join('\n');
  }
}
