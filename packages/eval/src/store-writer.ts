import path from 'node:path';
import type { TraceStep } from '@hud/protocol';
import { JsonlAppender, writeFileAtomic } from './jsonl.js';
import type { RunRecord } from './run-record.js';
import type { JobMeta } from './store.js';

/**
 * Streams one trace's steps to `traces/<trace-id>.jsonl`: each step is written as one line as soon as it
 * is recorded (no buffering in this process); {@link TraceWriter.close} syncs it to disk.
 */
export class TraceWriter {
  readonly file: string;
  #appender: Promise<JsonlAppender> | undefined;
  #failure: unknown;

  constructor(file: string) {
    this.file = file;
  }

  /** Queues a step; the first write creates the file. A write failure surfaces from `close()`. */
  write(step: TraceStep): void {
    this.#appender ??= JsonlAppender.open(this.file);
    this.#appender
      .then((appender) => appender.append(step))
      .catch((error) => {
        this.#failure ??= error;
      });
  }

  /**
   * Waits for queued steps, syncs and closes the file.
   * @throws the first write failure.
   */
  async close(): Promise<void> {
    if (this.#appender === undefined) return;
    const appender = await this.#appender.catch((error) => {
      this.#failure ??= error;
      return undefined;
    });
    if (appender) {
      try {
        await appender.sync();
      } finally {
        await appender.close();
      }
    }
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/** Writes one job's directory: `job.json`, `tasks.jsonl`, `runs.jsonl`, `traces/`. */
export class JobWriter {
  /** The job's directory. */
  readonly directory: string;
  readonly #runs: JsonlAppender;

  /** @internal use `JobStore.create` / `JobStore.reopen`. */
  constructor(directory: string, runs: JsonlAppender) {
    this.directory = directory;
    this.#runs = runs;
  }

  /** Rewrites `job.json` atomically (temp file, fsync, rename). */
  writeMeta(meta: JobMeta): Promise<void> {
    return writeFileAtomic(
      path.join(this.directory, 'job.json'),
      `${JSON.stringify(meta, null, 2)}\n`,
    );
  }

  /** Appends a finished run to `runs.jsonl` and waits until it is on disk (fdatasync). */
  appendRun(record: RunRecord): Promise<void> {
    return this.#runs.append(record, { sync: true });
  }

  /** A writer for `traces/<traceId>.jsonl`. */
  openTrace(traceId: string): TraceWriter {
    return new TraceWriter(path.join(this.directory, 'traces', `${traceId}.jsonl`));
  }

  /** Closes `runs.jsonl`. */
  close(): Promise<void> {
    return this.#runs.close();
  }
}
