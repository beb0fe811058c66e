import type { Job } from './job.js';
import { hasVerdict, type RolloutPhase, type RunRecord } from './run-record.js';

/** A run still in progress, as events describe it. */
export interface RunInfo {
  trace_id: string;
  slug: string;
  group_id: string;
  group_index: number;
  /** The phase it is in now. */
  phase: RolloutPhase;
}

/** A snapshot of a job's progress, for a progress display (done/total, running, errors, mean reward, ETA). */
export interface JobProgress {
  /** Slots this call runs (a resumed job excludes the slots that already have a verdict). */
  total: number;
  /** Slots skipped because they already had a verdict (resume). */
  skipped: number;
  /** Runs finished by this call. */
  done: number;
  /** Runs in flight. */
  running: number;
  /** Finished runs with a verdict. */
  verdicts: number;
  /** Finished runs without a verdict. */
  errors: number;
  /** Mean reward over the finished runs with a verdict; null before the first. */
  reward: number | null;
  /** Since the job started, ms (divide by `done` for an ETA). */
  elapsedMs: number;
  /** Whether cancellation was requested. */
  cancelled: boolean;
}

/** What `onEvent` receives while a job runs. */
export type JobEvent =
  | { type: 'job-start'; job: Job; progress: JobProgress }
  | { type: 'run-start'; run: RunInfo; progress: JobProgress }
  | { type: 'phase'; run: RunInfo; phase: RolloutPhase; progress: JobProgress }
  | { type: 'run-end'; run: RunRecord; progress: JobProgress }
  | { type: 'job-end'; job: Job; progress: JobProgress };

/** Counts behind {@link JobProgress}. */
export class ProgressTracker {
  readonly #total: number;
  readonly #skipped: number;
  readonly #begin = performance.now();
  #done = 0;
  #running = 0;
  #verdicts = 0;
  #rewardSum = 0;
  cancelled = false;

  constructor(total: number, skipped: number) {
    this.#total = total;
    this.#skipped = skipped;
  }

  started(): void {
    this.#running++;
  }

  ended(record: RunRecord): void {
    this.#running--;
    this.#done++;
    if (hasVerdict(record)) {
      this.#verdicts++;
      this.#rewardSum += record.reward ?? 0;
    }
  }

  snapshot(): JobProgress {
    return {
      total: this.#total,
      skipped: this.#skipped,
      done: this.#done,
      running: this.#running,
      verdicts: this.#verdicts,
      errors: this.#done - this.#verdicts,
      reward: this.#verdicts === 0 ? null : this.#rewardSum / this.#verdicts,
      elapsedMs: Math.round(performance.now() - this.#begin),
      cancelled: this.cancelled,
    };
  }
}
