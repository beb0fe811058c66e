import type { TraceRecord } from './buildkit-proto.js';

/**
 * Turns BuildKit trace records into the plain lines `docker build --progress=plain` prints: `#3 [2/3] RUN …`
 * when a step appears, `#3 <output line>` for its output, then `#3 DONE`, `#3 CACHED` or `#3 ERROR: …`.
 * Steps are numbered in the order they first appear.
 */
export class TraceLines {
  readonly #numbers = new Map<string, number>();
  readonly #said = new Set<string>();
  readonly #pending = new Map<string, string>();

  #number(digest: string): number {
    let number = this.#numbers.get(digest);
    if (number === undefined) {
      number = this.#numbers.size + 1;
      this.#numbers.set(digest, number);
    }
    return number;
  }

  #once(key: string, line: string, out: string[]) {
    if (this.#said.has(key)) return;
    this.#said.add(key);
    out.push(line);
  }

  /** The lines `record` adds. */
  lines(record: TraceRecord): string[] {
    const out: string[] = [];
    for (const vertex of record.vertexes) {
      const number = this.#number(vertex.digest);
      if (vertex.name) this.#once(`${vertex.digest}:name`, `#${number} ${vertex.name}`, out);
      if (vertex.cached) this.#once(`${vertex.digest}:end`, `#${number} CACHED`, out);
      else if (vertex.error) {
        this.#flush(vertex.digest, out);
        this.#once(`${vertex.digest}:end`, `#${number} ERROR: ${vertex.error}`, out);
      } else if (vertex.completed) {
        this.#flush(vertex.digest, out);
        this.#once(`${vertex.digest}:end`, `#${number} DONE`, out);
      }
    }
    for (const log of record.logs) {
      const number = this.#number(log.vertex);
      const text = (this.#pending.get(log.vertex) ?? '') + Buffer.from(log.msg).toString('utf8');
      const parts = text.split(/\r?\n/);
      this.#pending.set(log.vertex, parts.pop() ?? '');
      for (const part of parts) out.push(`#${number} ${part}`);
    }
    return out;
  }

  /** Output of `digest` not yet ended by a newline. */
  #flush(digest: string, out: string[]) {
    const rest = this.#pending.get(digest);
    if (rest) out.push(`#${this.#number(digest)} ${rest}`);
    this.#pending.delete(digest);
  }

  /** Every step's output not yet ended by a newline (call once the build ends). */
  end(): string[] {
    const out: string[] = [];
    for (const digest of [...this.#pending.keys()]) this.#flush(digest, out);
    return out;
  }
}
