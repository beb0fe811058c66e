import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TaskRow, TraceStep } from '@hud/protocol';
import { HudEvalError, messageOf } from './errors.js';
import { EVENT_LOG_FILE, EventLogIndex } from './event-log.js';
import { Job, slotOutcomes } from './job.js';
import type { JobMeta } from './job-meta.js';
import { JsonlAppender, readJsonl, writeFileAtomic } from './jsonl.js';
import type { RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';
import { JobWriter, type TraceSideKind } from './store-writer.js';
import { Taskset } from './taskset.js';

const JOB_ID = /^[0-9a-zA-Z_-]+$/;

/**
 * The embedded job store: one directory per job under `root` (default `.hud/jobs`), crash-safe at any
 * moment:
 * - `job.json` ({@link JobMeta}), rewritten atomically at start and end;
 * - `tasks.jsonl`, the taskset's rows;
 * - `runs.jsonl`, one {@link RunRecord} per finished run, appended as each finishes;
 * - `traces/<trace-id>.jsonl`, one `hud.step.v1` step per line, created when the run starts, written when
 *   it ends (and at least once a second while it runs);
 * - `traces/<trace-id>.{spans,logs}.jsonl`, the run's side records (file-tracking spans, the
 *   environment's output; see `TraceSideKind`), when it has any;
 * - `traces/job.events.all.jsonl` (`EVENT_LOG_FILE`), every run's runtime phase events, one line each with
 *   its `trace_id` (stores written before 2026-12-07 have `traces/<trace-id>.events.jsonl` per run, read
 *   all the same).
 * Readers skip a torn last line of a JSONL file. A job is written by one process at a time.
 *
 * A run's trace and events are written before its line is appended to `runs.jsonl`, and every line reaches
 * the file system as soon as it is written, so a crash of the writing process loses no recorded run nor any
 * step of one (of a run still in progress, at most the steps of the last second: see
 * `TRACE_FLUSH_INTERVAL_MS`). Disk flushes (fdatasync) guard against losing the machine: `runs.jsonl` is
 * flushed in the background at most once a second, and before each `job.json` write (so `job.json` never
 * counts runs the disk does not hold); trace files are left to the operating system's writeback.
 * @example
 * const store = new JobStore('.hud/jobs');
 * const job = await taskset.run({ agent, provider, store });
 * const runs = await store.readRuns(job.id);
 */
export class JobStore implements RunStore {
  /** The root directory (resolved against the working directory when relative). */
  readonly root: string;
  /** The event logs read so far, by file (each reads only what was appended since). */
  readonly #eventLogs = new Map<string, EventLogIndex>();

  constructor(root = '.hud/jobs') {
    this.root = path.resolve(root);
  }

  /** The directory of job `id`. @throws HudEvalError `invalid_argument` for an id that is not a plain name. */
  jobDirectory(id: string): string {
    if (!JOB_ID.test(id)) throw new HudEvalError('invalid_argument', `not a job id: '${id}'`);
    return path.join(this.root, id);
  }

  /** Creates job `meta.id`'s directory with `tasks.jsonl` and `job.json`, and opens `runs.jsonl`. */
  async create(meta: JobMeta, tasks: readonly TaskRow[]): Promise<JobWriter> {
    const directory = this.jobDirectory(meta.id);
    await writeFileAtomic(
      path.join(directory, 'tasks.jsonl'),
      tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
    );
    const writer = new JobWriter(
      directory,
      await JsonlAppender.open(path.join(directory, 'runs.jsonl')),
    );
    await writer.writeMeta(meta);
    return writer;
  }

  /**
   * Opens an existing job for appending (resume); a torn last line of `runs.jsonl` is cut first.
   * @throws HudEvalError `job_not_found`.
   */
  async reopen(id: string): Promise<JobWriter> {
    await this.openJob(id);
    const directory = this.jobDirectory(id);
    return new JobWriter(directory, await JsonlAppender.open(path.join(directory, 'runs.jsonl')));
  }

  /** Whether job `id` exists. */
  async has(id: string): Promise<boolean> {
    return stat(path.join(this.jobDirectory(id), 'job.json')).then(
      () => true,
      () => false,
    );
  }

  /**
   * Reads `job.json` of job `id`.
   * @throws HudEvalError `job_not_found` (naming the store root), `store_corrupt` for unreadable JSON.
   */
  async openJob(id: string): Promise<JobMeta> {
    const file = path.join(this.jobDirectory(id), 'job.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new HudEvalError('job_not_found', `no job '${id}' in ${this.root}`, { cause });
    }
    try {
      return JSON.parse(text) as JobMeta;
    } catch (cause) {
      throw new HudEvalError('store_corrupt', `${file}: not valid JSON (${messageOf(cause)})`, {
        cause,
      });
    }
  }

  /** Every job in the store, newest first (directories without a readable `job.json` are skipped). */
  async listJobs(): Promise<JobMeta[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const jobs = await Promise.all(
      names
        .filter((name) => JOB_ID.test(name))
        .map((name) => this.openJob(name).catch(() => undefined)),
    );
    return jobs
      .filter((job): job is JobMeta => job !== undefined)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  /**
   * Every run recorded for job `id`, in finishing order (a resumed slot may appear more than once: its
   * failed attempts, then its verdict). A torn last line is skipped.
   * @throws HudEvalError `job_not_found`, `store_corrupt` (a bad line that is not the last).
   */
  async readRuns(id: string): Promise<RunRecord[]> {
    await this.openJob(id);
    return (await readJsonl(path.join(this.jobDirectory(id), 'runs.jsonl'))) as RunRecord[];
  }

  /** The task rows of job `id` (`tasks.jsonl`). @throws HudEvalError `job_not_found`, `store_corrupt`. */
  async readTasks(id: string): Promise<TaskRow[]> {
    await this.openJob(id);
    return (await readJsonl(path.join(this.jobDirectory(id), 'tasks.jsonl'))) as TaskRow[];
  }

  /**
   * The taskset job `id` ran (its name and `tasks.jsonl`), e.g. to resume a job without its source.
   * @throws HudEvalError `job_not_found`, `store_corrupt`, `invalid_task`.
   */
  async loadTaskset(id: string): Promise<Taskset> {
    const meta = await this.openJob(id);
    return new Taskset(meta.taskset.name, await this.readTasks(id), {
      tasksetId: meta.taskset.taskset_id ?? undefined,
    });
  }

  /**
   * The steps of trace `traceId` (from job `options.jobId`, else whichever job holds it). A torn last line
   * is skipped.
   * @throws HudEvalError `job_not_found` when no job holds the trace; `store_corrupt`.
   */
  async readTrace(traceId: string, options: { jobId?: string } = {}): Promise<TraceStep[]> {
    if (!JOB_ID.test(traceId))
      throw new HudEvalError('invalid_argument', `not a trace id: '${traceId}'`);
    const jobIds = options.jobId ? [options.jobId] : (await this.listJobs()).map((job) => job.id);
    for (const jobId of jobIds) {
      const file = path.join(this.jobDirectory(jobId), 'traces', `${traceId}.jsonl`);
      const found = await stat(file).then(
        () => true,
        () => false,
      );
      if (found) return (await readJsonl(file)) as TraceStep[];
    }
    throw new HudEvalError('job_not_found', `no trace '${traceId}' in ${this.root}`);
  }

  /**
   * The side records `kind` of trace `traceId` of job `jobId` (`traces/<trace-id>.<kind>.jsonl`; events
   * from the job's event log, see {@link TraceSideKind}), in the order written; empty when the run has none
   * (and for stores written before hud-ts kept them). A torn last line is skipped. The event log is read
   * incrementally: this store keeps the lines it read (by trace) for later calls.
   * @throws HudEvalError `invalid_argument` for a bad id, `store_corrupt`.
   */
  async readTraceSide(traceId: string, kind: TraceSideKind, jobId: string): Promise<unknown[]> {
    if (!JOB_ID.test(traceId))
      throw new HudEvalError('invalid_argument', `not a trace id: '${traceId}'`);
    const directory = this.jobDirectory(jobId);
    const file = path.join(directory, 'traces', `${traceId}.${kind}.jsonl`);
    const found = await stat(file).then(
      () => true,
      () => false,
    );
    if (found) return readJsonl(file);
    if (kind !== 'events') return [];
    const log = path.join(directory, EVENT_LOG_FILE);
    let index = this.#eventLogs.get(log);
    if (!index) {
      index = new EventLogIndex(log);
      this.#eventLogs.set(log, index);
    }
    return index.read(traceId);
  }

  /** Job `id` as a {@link Job}: its meta and one run per slot (verdict, else latest attempt). */
  async loadJob(id: string): Promise<Job> {
    const meta = await this.openJob(id);
    const job = new Job({
      id: meta.id,
      name: meta.name,
      group: meta.group,
      createdAt: meta.created_at,
      tasksetId: meta.taskset.taskset_id ?? undefined,
      runs: slotOutcomes(await this.readRuns(id)),
    });
    job.cancelled = meta.status === 'cancelled';
    return job;
  }
}
