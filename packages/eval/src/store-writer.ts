import { closeSync, mkdirSync, open } from 'node:fs';
import path from 'node:path';
import type { TraceStep } from '@hud/protocol';
import { EVENT_LOG_FILE, EventLog, RunEvents } from './event-log.js';
import type { JobMeta } from './job-meta.js';
import { type JsonlAppender, openJsonlSync, writeFileAtomic, writeJsonlTextSync } from './jsonl.js';
import type { RunRecord } from './run-record.js';

/**
 * How often `runs.jsonl` is synced to disk while runs are being appended, ms. Appends reach the file
 * system (the page cache) at once, which is all a crash of this process needs; fdatasync only guards
 * against losing the machine, so it runs in the background at most this often, and at the job's end.
 */
export const RUNS_SYNC_INTERVAL_MS = 1_000;

/**
 * How long a step recorded in a trace that is still open may wait in memory before it is written, ms: the
 * job's writer flushes its open traces this often. A trace's steps are otherwise written when it closes, in
 * one write (a whole short rollout's trace), so a crash of this process loses at most this much of a run
 * still in progress, and never a step of a recorded run (a trace is closed before its run is appended).
 */
export const TRACE_FLUSH_INTERVAL_MS = 1_000;

/**
 * Writes one trace's steps to `traces/<trace-id>.jsonl`, one JSON line per step. The file is created in the
 * thread pool when the first step is recorded (creating a file is the costly part, and the rollout goes on
 * meanwhile); steps are kept in memory and written in one synchronous write when the trace closes, or by
 * the job writer's periodic flush ({@link TRACE_FLUSH_INTERVAL_MS}) while it stays open. The file is closed
 * synchronously (closing is cheap; a thread-pool round trip is not) and not fsynced: a disk flush per
 * rollout would cost more than the rollout.
 */
export class TraceWriter {
  readonly file: string;
  readonly #fresh: boolean;
  readonly #onClose: ((trace: TraceWriter) => void) | undefined;
  #fd: number | undefined;
  /** The lines recorded and not written yet. */
  #pending: string[] = [];
  /** Set while the file is being created. */
  #opening: Promise<void> | undefined;
  #closed = false;
  #failure: unknown;

  /**
   * @param fresh (internal) the directory exists and the file is new: create it without further checks.
   *   Otherwise the directory is created and a torn tail cut on open.
   * @param onClose (internal) told when the trace has closed.
   */
  constructor(file: string, fresh = false, onClose?: (trace: TraceWriter) => void) {
    this.file = file;
    this.#fresh = fresh;
    this.#onClose = onClose;
  }

  /** Starts creating the file now rather than on the first record (a run's steps file, at its start). */
  create(): void {
    if (this.#fd === undefined && this.#opening === undefined && !this.#closed) this.#open();
  }

  /**
   * Records a step (or a side record: span, log line, event); the first creates the file. A write
   * failure surfaces from `close()`.
   */
  write(step: TraceStep | object): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#pending.push(`${JSON.stringify(step)}\n`);
    if (this.#fd === undefined && this.#opening === undefined) this.#open();
  }

  #open(): void {
    if (!this.#fresh) {
      try {
        this.#fd = openJsonlSync(this.file);
      } catch (error) {
        this.#failure = error;
      }
      return;
    }
    this.#opening = new Promise<void>((resolve) => {
      open(this.file, 'a', (error, fd) => {
        this.#opening = undefined;
        if (error) this.#failure ??= error;
        else this.#fd = fd;
        resolve();
      });
    });
  }

  /** Writes the steps recorded so far, once the file exists. A write failure surfaces from `close()`. */
  flush(): void {
    if (this.#fd === undefined || this.#pending.length === 0 || this.#failure !== undefined) return;
    const text = this.#pending.join('');
    this.#pending = [];
    try {
      writeJsonlTextSync(this.#fd, text);
    } catch (error) {
      this.#failure = error;
    }
  }

  /**
   * Writes the steps not written yet and closes the file (once its creation is done).
   * @throws the first failure to create or write it.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#opening) await this.#opening;
    this.flush();
    this.#pending = [];
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch (error) {
        this.#failure ??= error;
      }
    }
    this.#onClose?.(this);
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/**
 * The side records of a run (absent when the run had none; stores written before hud-ts kept them have
 * none):
 * - `spans`: spans that are not steps, as uploaded (`filetracking.*` of `hud.filetracking.v1`), in
 *   `traces/<trace-id>.spans.jsonl`;
 * - `logs`: the environment's output ({@link StoreLogLine}), in `traces/<trace-id>.logs.jsonl`;
 * - `events`: runtime phase events for a viewer's DEBUG tab ({@link StoreDebugEvent}), every run's in the
 *   job's event log (`EVENT_LOG_FILE`; stores written before 2026-12-07: `traces/<trace-id>.events.jsonl`).
 */
export type TraceSideKind = 'spans' | 'logs' | 'events';

/** One line of a run's environment output as the store keeps it (`traces/<id>.logs.jsonl`). */
export interface StoreLogLine {
  /** ISO-8601 UTC. */
  time: string;
  source: 'environment' | 'container' | 'agent';
  stream: 'stdout' | 'stderr';
  line: string;
}

/** One debug event of a run as the store keeps it (a line of the job's event log, `EVENT_LOG_FILE`). */
export interface StoreDebugEvent {
  /** ISO-8601 UTC. */
  time: string;
  source: 'runtime' | 'worker' | 'gateway' | 'orchestrator';
  /** e.g. `acquire`, `setup`, `agent`, `grade`, `teardown`, `end`. */
  phase: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

/** Writes one job's directory: `job.json`, `tasks.jsonl`, `runs.jsonl`, `traces/`. */
export class JobWriter {
  /** The job's directory. */
  readonly directory: string;
  readonly #runs: JsonlAppender;
  /** `<directory>/traces` and the separator, the prefix of every trace file's path (built once, not per run). */
  readonly #tracesPrefix: string;
  #tracesDirectory = false;
  /** Every run's DEBUG events (see `EVENT_LOG_FILE`), opened on the first. */
  readonly #events: EventLog;
  #syncTimer: NodeJS.Timeout | undefined;
  /**
   * The traces and runs' events open now, flushed every {@link TRACE_FLUSH_INTERVAL_MS} (from the first
   * trace to `close`).
   */
  readonly #openTraces = new Set<TraceWriter | RunEvents>();
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #traceClosed = (trace: TraceWriter | RunEvents) => {
    this.#openTraces.delete(trace);
  };

  /** @internal use `JobStore.create` / `JobStore.reopen`. */
  constructor(directory: string, runs: JsonlAppender) {
    this.directory = directory;
    this.#runs = runs;
    this.#tracesPrefix = path.join(directory, 'traces') + path.sep;
    this.#events = new EventLog(path.join(directory, EVENT_LOG_FILE));
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

  /**
   * A writer for `traces/<traceId>.jsonl` (`traceId` a fresh id: the file must not exist yet), created
   * on its first record; {@link JobWriter.startTrace} creates it at once.
   */
  openTrace(traceId: string): TraceWriter {
    if (!this.#tracesDirectory) {
      try {
        mkdirSync(this.#tracesPrefix, { recursive: true });
        this.#tracesDirectory = true;
      } catch {
        // The trace's first write reports it (it retries the directory).
      }
    }
    const trace = new TraceWriter(
      `${this.#tracesPrefix}${traceId}.jsonl`,
      this.#tracesDirectory,
      this.#traceClosed,
    );
    this.#track(trace);
    return trace;
  }

  /**
   * A run's trace (`traces/<traceId>.jsonl`), its file created from now on in the thread pool (so it shows
   * from the run's start that the run is in progress, and is ready when the run ends).
   */
  startTrace(traceId: string): TraceWriter {
    const trace = this.openTrace(traceId);
    trace.create();
    return trace;
  }

  /**
   * A writer of run `traceId`'s DEBUG events in the job's event log (`EVENT_LOG_FILE`): written when it
   * closes, flushed with the open traces meanwhile.
   */
  openRunEvents(traceId: string): RunEvents {
    const events = new RunEvents(this.#events, traceId, this.#traceClosed);
    this.#track(events);
    return events;
  }

  #track(open: TraceWriter | RunEvents): void {
    this.#openTraces.add(open);
    this.#flushTimer ??= setInterval(() => {
      for (const trace of this.#openTraces) trace.flush();
    }, TRACE_FLUSH_INTERVAL_MS).unref();
  }

  /**
   * A writer of `traces/<traceId>.<kind>.jsonl`, a run's side records kept next to its steps (`spans`,
   * `logs`; see {@link TraceSideKind}; events go to {@link JobWriter.openRunEvents}); flushed with the
   * open traces and closed by its `close()`.
   */
  openTraceSide(traceId: string, kind: Exclude<TraceSideKind, 'events'>): TraceWriter {
    return this.openTrace(`${traceId}.${kind}`);
  }

  /**
   * Syncs and closes `runs.jsonl` and closes the event log (traces and runs' events still open are
   * flushed; their writers close them, and events recorded after this are dropped).
   */
  async close(): Promise<void> {
    clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const open of this.#openTraces) open.flush();
    try {
      await this.sync();
    } finally {
      try {
        this.#events.close();
      } finally {
        await this.#runs.close();
      }
    }
  }
}
