import { closeSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { HudEvalError, messageOf } from './errors.js';
import { openJsonlSync, writeJsonlTextSync } from './jsonl.js';

/**
 * Where a job keeps its runs' DEBUG events, relative to the job's directory: one JSON line per event,
 * `{"trace_id": "<trace id>", ...event}`, every run of the job in one file (appended as runs end, and at
 * least once a second while they run). A file per run (`traces/<id>.events.jsonl`, what stores written
 * before 2026-12-07 have) cost a second file creation per rollout, the most expensive thing the store did
 * on some disks. Named neither `<id>.jsonl` nor `<id>.<kind>.jsonl`, so readers of `traces/` that take such
 * names for a run's files (the viewer's list of running traces) never take it for a run.
 */
export const EVENT_LOG_FILE = 'traces/job.events.all.jsonl';

/** The line prefix of trace `traceId`'s events in the event log (every line starts with its trace id). */
function linePrefix(traceId: string): string {
  return `{"trace_id":${JSON.stringify(traceId)}`;
}

/**
 * The job's event log, written with synchronous appends of whole lines (see `appendJsonlSync`): opened on
 * the first write (cutting a torn last line a crash left, as on resume), closed by {@link EventLog.close}.
 */
export class EventLog {
  readonly file: string;
  #fd: number | undefined;
  #closed = false;

  constructor(file: string) {
    this.file = file;
  }

  /**
   * Appends `text` (whole JSON lines) in one write.
   * @throws the file system's error (creating the directory or file, or writing).
   */
  write(text: string): void {
    if (this.#closed) throw new Error(`${this.file} is closed`);
    this.#fd ??= openJsonlSync(this.file);
    writeJsonlTextSync(this.#fd, text);
  }

  /** Closes the file (if it was opened). Idempotent. */
  close(): void {
    this.#closed = true;
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * One run's events in the job's {@link EventLog}: kept in memory and written in one append when the run
 * closes, or by the job writer's periodic flush while it stays open (`TRACE_FLUSH_INTERVAL_MS`). A write
 * failure surfaces from `close()`.
 */
export class RunEvents {
  readonly traceId: string;
  readonly #log: EventLog;
  readonly #prefix: string;
  readonly #onClose: ((events: RunEvents) => void) | undefined;
  #pending: string[] = [];
  #closed = false;
  #failure: unknown;

  /** @internal use `JobWriter.openRunEvents`. */
  constructor(log: EventLog, traceId: string, onClose?: (events: RunEvents) => void) {
    this.#log = log;
    this.traceId = traceId;
    this.#prefix = linePrefix(traceId);
    this.#onClose = onClose;
  }

  /** Records an event (a JSON object) of the run. */
  write(event: object): void {
    if (this.#closed || this.#failure !== undefined) return;
    const json = JSON.stringify(event);
    this.#pending.push(`${this.#prefix}${json === '{}' ? '' : ','}${json.slice(1)}\n`);
  }

  /** Writes the events recorded so far. A write failure surfaces from `close()`. */
  flush(): void {
    if (this.#pending.length === 0 || this.#failure !== undefined) return;
    const text = this.#pending.join('');
    this.#pending = [];
    try {
      this.#log.write(text);
    } catch (error) {
      this.#failure = error;
    }
  }

  /** Writes what is left. @throws the first failure to write. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#pending = [];
    this.#onClose?.(this);
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/**
 * Reads one job's event log by trace, incrementally: each call reads only what was appended since the last
 * (whole lines; a torn or unfinished last line waits for the next call), so reading every run's events of
 * a job once each costs one pass over the file. Keeps the lines read, by trace id, in memory.
 */
export class EventLogIndex {
  readonly file: string;
  /** Bytes indexed: the file up to the end of its last whole line. */
  #offset = 0;
  #lineCount = 0;
  #identity: string | undefined;
  /** Trace id → its lines and their (1-based) line numbers. */
  readonly #byTrace = new Map<string, { line: string; number: number }[]>();
  #reading: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  /**
   * Trace `traceId`'s events, in the order written, without their `trace_id`; empty when the file does not
   * exist.
   * @throws HudEvalError `store_corrupt` naming the file and line of a whole line that is not an event.
   */
  read(traceId: string): Promise<unknown[]> {
    const done = this.#reading.then(() => this.#catchUp());
    this.#reading = done.catch(() => {});
    return done.then(() =>
      (this.#byTrace.get(traceId) ?? []).map(({ line, number }) => {
        try {
          const { trace_id: _, ...event } = JSON.parse(line) as Record<string, unknown>;
          return event;
        } catch (cause) {
          throw new HudEvalError(
            'store_corrupt',
            `${this.file} line ${number}: not valid JSON (${messageOf(cause)})`,
            { cause },
          );
        }
      }),
    );
  }

  async #catchUp(): Promise<void> {
    let stats: Stats;
    try {
      stats = await stat(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const identity = `${stats.dev}:${stats.ino}`;
    if (identity !== this.#identity || stats.size < this.#offset) {
      // Another file (a job written again) or a torn tail cut on reopen: start over.
      this.#identity = identity;
      this.#offset = 0;
      this.#lineCount = 0;
      this.#byTrace.clear();
    }
    if (stats.size === this.#offset) return;
    const handle = await open(this.file, 'r');
    let bytes: Buffer;
    try {
      bytes = Buffer.alloc(stats.size - this.#offset);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, this.#offset);
      bytes = bytes.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    const end = bytes.lastIndexOf(0x0a) + 1;
    if (end === 0) return;
    for (const line of bytes.toString('utf8', 0, end).split('\n')) {
      if (line === '') continue;
      this.#lineCount++;
      this.#index(line);
    }
    this.#offset += end;
  }

  #index(line: string): void {
    const match = /^\{"trace_id":("(?:[^"\\]|\\.)*")/.exec(line);
    let traceId: unknown;
    try {
      traceId = match ? JSON.parse(match[1] as string) : undefined;
    } catch {
      traceId = undefined;
    }
    if (typeof traceId !== 'string') {
      let detail = 'no trace_id first';
      try {
        JSON.parse(line);
      } catch (cause) {
        detail = `not valid JSON (${messageOf(cause)})`;
      }
      throw new HudEvalError('store_corrupt', `${this.file} line ${this.#lineCount}: ${detail}`);
    }
    let lines = this.#byTrace.get(traceId);
    if (!lines) {
      lines = [];
      this.#byTrace.set(traceId, lines);
    }
    lines.push({ line, number: this.#lineCount });
  }
}
