/**
 * A hosted job as the local display sees it: the traces a job's stream reports, folded into the
 * `JobEvent`s of `@hud/eval` (so `hud eval --remote` and `hud jobs <id> --follow` show the same progress
 * bar as a local job) and, at the end, a `Job` of run records for the same summary table.
 */

import type { Job, JobEvent, JobProgress, RunRecord } from '@hud/eval';
import { isoTimestamp, type TaskRow } from '@hud/protocol';
import { type StreamSnapshot, type StreamTrace, TERMINAL } from './hosted-eval-stream.js';

/** The run record of a finished hosted trace (status, reward, error as the gateway recorded them). */
export function hostedRunRecord(
  trace: StreamTrace,
  options: { jobId: string; task?: TaskRow; groupIndex: number; totalMs?: number },
): RunRecord {
  const slug = trace.slug ?? options.task?.slug ?? trace.trace_id;
  const reward = trace.reward ?? null;
  const now = isoTimestamp();
  return {
    trace_id: trace.trace_id,
    job_id: options.jobId,
    group_id: trace.group_id ?? trace.trace_id,
    group_index: options.groupIndex,
    slug,
    task: options.task ?? { env: '', id: slug, slug, args: {} },
    prompt: null,
    bindings: [],
    answer: null,
    // hud-python's HostedRuntime: grade.raw = {score: reward} when the reward is not null.
    grade: reward === null ? null : { score: reward },
    reward,
    isError: reward === null,
    status: trace.status === 'queued' || trace.status === 'running' ? 'error' : trace.status,
    stop_reason: trace.status === 'cancelled' ? 'cancelled' : null,
    error: trace.error ?? null,
    // Only the whole, as seen from here (running → finished); the phases are the worker's.
    timings: {
      provisioning: 0,
      starting: 0,
      agent: 0,
      grading: 0,
      cleanup: 0,
      total: options.totalMs ?? 0,
    },
    usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: null,
      llm_call_count: 0,
    },
    started_at: now,
    ended_at: now,
  };
}

/**
 * Folds a hosted job's stream into `JobEvent`s: `job-start` at the first snapshot, `run-start` when a trace
 * starts running, `run-end` when it reaches a terminal status (once per trace, whatever reconnections
 * replay), and {@link finish} for the `Job` with every finished run.
 */
export class HostedJobTracker {
  readonly job: Job;
  readonly #emit: (event: JobEvent) => void;
  readonly #tasks: ReadonlyMap<string, TaskRow>;
  readonly #states = new Map<string, StreamTrace>();
  readonly #ended = new Map<string, RunRecord>();
  readonly #groupIndexes = new Map<string, number>();
  /** When each trace was seen running (performance.now()). */
  readonly #runningSince = new Map<string, number>();
  readonly #begin = performance.now();
  #total: number;
  #started = false;
  cancelled = false;

  /**
   * @param tasks the submitted rows by slug (records name them), when known.
   * @param total how many rollouts the job has (updated by snapshots).
   */
  constructor(options: {
    job: Job;
    total: number;
    tasks?: ReadonlyMap<string, TaskRow>;
    emit: (event: JobEvent) => void;
  }) {
    this.job = options.job;
    this.#total = options.total;
    this.#tasks = options.tasks ?? new Map();
    this.#emit = options.emit;
  }

  /** Progress as a local job reports it. */
  progress(): JobProgress {
    let running = 0;
    for (const state of this.#states.values()) if (state.status === 'running') running++;
    let verdicts = 0;
    let sum = 0;
    for (const record of this.#ended.values()) {
      if (record.reward === null) continue;
      verdicts++;
      sum += record.reward;
    }
    return {
      total: this.#total,
      skipped: 0,
      done: this.#ended.size,
      running,
      verdicts,
      errors: this.#ended.size - verdicts,
      reward: verdicts === 0 ? null : sum / verdicts,
      elapsedMs: Math.round(performance.now() - this.#begin),
      cancelled: this.cancelled,
    };
  }

  /** A (re)connection's snapshot: starts the display once, then replays what changed. */
  readonly onSnapshot = (snapshot: StreamSnapshot): void => {
    this.#total = Math.max(snapshot.total, snapshot.traces.length);
    if (!this.#started) {
      this.#started = true;
      this.#emit({ type: 'job-start', job: this.job, progress: this.progress() });
    }
    for (const trace of snapshot.traces) this.onTrace(trace);
  };

  /** One trace's new status. */
  readonly onTrace = (trace: StreamTrace): void => {
    if (this.#ended.has(trace.trace_id)) return;
    const previous = this.#states.get(trace.trace_id);
    this.#states.set(trace.trace_id, trace);
    const slug = trace.slug ?? trace.trace_id;
    const info = {
      trace_id: trace.trace_id,
      slug,
      group_id: trace.group_id ?? trace.trace_id,
      group_index: 0,
      phase: 'agent loop' as const,
    };
    if (trace.status === 'running' && previous?.status !== 'running') {
      this.#runningSince.set(trace.trace_id, performance.now());
      this.#emit({ type: 'run-start', run: info, progress: this.progress() });
      return;
    }
    if (!TERMINAL.has(trace.status)) return;
    const groupIndex = this.#groupIndexes.get(slug) ?? 0;
    this.#groupIndexes.set(slug, groupIndex + 1);
    const since = this.#runningSince.get(trace.trace_id);
    const record = hostedRunRecord(trace, {
      jobId: this.job.id,
      groupIndex,
      ...(since === undefined ? {} : { totalMs: Math.round(performance.now() - since) }),
      ...(this.#tasks.get(slug) ? { task: this.#tasks.get(slug) as TaskRow } : {}),
    });
    this.#ended.set(trace.trace_id, record);
    this.#emit({ type: 'run-end', run: record, progress: this.progress() });
  };

  /**
   * How many rollouts are still waiting for a worker, when none of the job's rollouts has been claimed
   * yet (every trace seen is `queued`); 0 once one runs or ends; undefined before the first snapshot.
   */
  unclaimed(): number | undefined {
    if (!this.#started) return undefined;
    if (this.#ended.size > 0) return 0;
    let queued = 0;
    for (const state of this.#states.values()) {
      if (state.status !== 'queued') return 0;
      queued++;
    }
    return queued;
  }

  /** Whether every rollout has finished. */
  get done(): boolean {
    return this.#started && this.#ended.size >= this.#total;
  }

  /** The job with every finished run (in the order they finished), marked cancelled when it was. */
  finish(): Job {
    this.job.runs.length = 0;
    // Task order of the submitted rows (as a local job's expansion order), then finishing order.
    const order = new Map([...this.#tasks.keys()].map((slug, index) => [slug, index]));
    const rank = (run: RunRecord) => order.get(run.slug) ?? Number.MAX_SAFE_INTEGER;
    this.job.runs.push(...[...this.#ended.values()].sort((a, b) => rank(a) - rank(b)));
    this.job.cancelled =
      this.cancelled &&
      (this.#ended.size < this.#total ||
        [...this.#ended.values()].some((run) => run.status === 'cancelled'));
    this.#emit({ type: 'job-end', job: this.job, progress: this.progress() });
    return this.job;
  }
}
