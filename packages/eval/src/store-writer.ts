import { close, mkdirSync, open } from 'node:fs';
import path from 'node:path';
import type { TraceStep } from '@hud/protocol';
import type { JobMeta } from './job-meta.js';
import {
  appendJsonlSync,
  type JsonlAppender,
  openJsonlSync,
  writeFileAtomic,
  writeJsonlTextSync,
} from './jsonl.js';
import type { RunRecord } from './run-record.js';

/**
 * How often `runs.jsonl` is synced to disk while runs are being appended, ms. Appends reach the file
 * system (the page cache) at once, which is all a crash of this process needs; fdatasync only guards
 * against losing the machine, so it runs in the background at most this often, and at the job's end.
 */
export const RUNS_SYNC_INTERVAL_MS = 1_000;

/**
 * Streams one trace's steps to `traces/<trace-id>.jsonl`: each step is written as one line as soon as it
 * is recorded (no buffering in this process beyond the file's creation, see `appendJsonlSync`), so a crash
 * of this process loses none that were written. The file is created and closed in the thread pool (creating
 * a file is the costly part) and not fsynced: a disk flush per rollout would cost more than the rollout.
 */
export class TraceWriter {
  readonly file: string;
  readonly #fresh: boolean;
  #fd: number | undefined;
  /** Set while the file is being created: the lines recorded meanwhile, and the creation. */
  #opening: { lines: string[]; done: Promise<void> } | undefined;
  #closed = false;
  #failure: unknown;

  /**
   * @param fresh (internal) the directory exists and the file is new: open it without further checks.
   *   Otherwise the directory is created and a torn tail cut on open.
   */
  constructor(file: string, fresh = false) {
    this.file = file;
    this.#fresh = fresh;
  }

  /** Writes a step; the first write creates the file. A write failure surfaces from `close()`. */
  write(step: TraceStep): void {
    if (this.#closed || this.#failure !== undefined) return;
    try {
      if (this.#fd !== undefined) appendJsonlSync(this.#fd, step);
      else if (this.#opening) this.#opening.lines.push(`${JSON.stringify(step)}\n`);
      else if (!this.#fresh) {
        this.#fd = openJsonlSync(this.file);
        appendJsonlSync(this.#fd, step);
      } else this.#create(`${JSON.stringify(step)}\n`);
    } catch (error) {
      this.#failure = error;
    }
  }

  #create(firstLine: string): void {
    const lines = [firstLine];
    const done = new Promise<void>((resolve) => {
      open(this.file, 'a', (error, fd) => {
        this.#opening = undefined;
        if (error) this.#failure ??= error;
        else {
          this.#fd = fd;
          try {
            writeJsonlTextSync(fd, lines.join(''));
          } catch (failure) {
            this.#failure ??= failure;
          }
        }
        resolve();
      });
    });
    this.#opening = { lines, done };
  }

  /**
   * Closes the file (once its creation and the steps recorded meanwhile are done).
   * @throws the first write failure.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#opening) await this.#opening.done;
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) {
      await new Promise<void>((resolve) =>
        close(fd, (error) => {
          this.#failure ??= error ?? undefined;
          resolve();
        }),
      );
    }
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/** Writes one job's directory: `job.json`, `tasks.jsonl`, `runs.jsonl`, `traces/`. */
export class JobWriter {
  /** The job's directory. */
  readonly directory: string;
  readonly #runs: JsonlAppender;
  #tracesDirectory = false;
  #syncTimer: NodeJS.Timeout | undefined;

  /** @internal use `JobStore.create` / `JobStore.reopen`. */
  constructor(directory: string, runs: JsonlAppender) {
    this.directory = directory;
    this.#runs = runs;
  }

  /**
   * Rewrites `job.json` atomically (temp file, fsync, rename), after syncing `runs.jsonl`: `job.json` (its
   * totals, its status) never gets to disk ahead of the runs it counts.
   */
  async writeMeta(meta: JobMeta): Promise<void> {
    await this.sync();
    await writeFileAtomic(
      path.join(this.directory, 'job.json'),
      `${JSON.stringify(meta, null, 2)}\n`,
    );
  }

  /**
   * Appends a finished run to `runs.jsonl`; resolves once the line is written (a crash of this process
   * keeps it). It reaches the disk with the next background sync ({@link RUNS_SYNC_INTERVAL_MS}),
   * {@link JobWriter.sync}, `writeMeta` or `close`.
   */
  appendRun(record: RunRecord): Promise<void> {
    const written = this.#runs.append(record);
    this.#syncTimer ??= setTimeout(() => {
      this.#syncTimer = undefined;
      this.#runs.sync().catch(() => {}); // best effort: writeMeta and close sync again and report
    }, RUNS_SYNC_INTERVAL_MS).unref();
    return written;
  }

  /** Waits until every appended run is on disk (fdatasync of `runs.jsonl`). */
  sync(): Promise<void> {
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    return this.#runs.sync();
  }

  /** A writer for `traces/<traceId>.jsonl` (`traceId` a fresh id: the file must not exist yet). */
  openTrace(traceId: string): TraceWriter {
    const directory = path.join(this.directory, 'traces');
    if (!this.#tracesDirectory) {
      try {
        mkdirSync(directory, { recursive: true });
        this.#tracesDirectory = true;
      } catch {
        // The trace's first write reports it (it retries the directory).
        return new TraceWriter(path.join(directory, `${traceId}.jsonl`));
      }
    }
    return new TraceWriter(path.join(directory, `${traceId}.jsonl`), true);
  }

  /** Syncs and closes `runs.jsonl`. */
  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      await this.#runs.close();
    }
  }
}
