import { hasVerdict, type RunRecord } from './run-record.js';
import type { Trace } from './trace.js';

/** One task's results in a job (see {@link Job.results}). */
export interface TaskResult {
  slug: string;
  /** Runs of this task (all outcomes). */
  count: number;
  /** Runs with a verdict. */
  verdicts: number;
  /** Runs without a verdict (infrastructure failures, cancellations, `isError` grades). */
  errors: number;
  /** Mean reward over runs with a verdict; null when there are none. */
  mean: number | null;
  /** Population standard deviation of those rewards (0 for one verdict); null without verdicts. */
  std: number | null;
  /** Lowest and highest of those rewards; null without verdicts. */
  min: number | null;
  max: number | null;
}

/** The aggregate numbers of a job (also written to `job.json` as `totals`). */
export interface JobTotals {
  runs: number;
  verdicts: number;
  errors: number;
  cancelled: number;
  /** See {@link Job.reward}. */
  reward: number | null;
}

/** What a {@link Job} is built from. */
export interface JobInit {
  /** `uuid4().hex`. */
  id: string;
  name: string;
  group: number;
  /** ISO-8601 UTC. */
  createdAt: string;
  tasksetId?: string;
  runs?: RunRecord[];
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * A batch of runs (a taskset × group) and its aggregate reward (hud-python `Job`, spec §5.5). Once
 * `taskset.run()` resolves, `runs` holds one record per (task, group index) slot that ran, in expansion
 * order (task-major); a resumed job's slot shows its verdict, or its latest attempt when it has none.
 * While the job runs, follow it with `onEvent` instead.
 */
export class Job {
  readonly id: string;
  readonly name: string;
  readonly group: number;
  readonly createdAt: string;
  readonly tasksetId: string | undefined;
  readonly runs: RunRecord[];
  /** True when the run was cancelled (its `signal` aborted) before every slot finished. */
  cancelled = false;
  /** Why the job stopped starting rollouts before every slot ran (`RunOptions.admit`), or null. */
  stopped: string | null = null;
  readonly #traces = new Map<string, Trace>();

  constructor(init: JobInit) {
    this.id = init.id;
    this.name = init.name;
    this.group = init.group;
    this.createdAt = init.createdAt;
    this.tasksetId = init.tasksetId;
    this.runs = init.runs ?? [];
  }

  /**
   * Mean reward over the runs with a verdict (a grade that is not `isError`); runs without one are left
   * out, never counted as 0 (hud-python `Job.reward`). Null when no run has a verdict (hud-python: 0.0).
   */
  get reward(): number | null {
    return mean(this.runs.filter(hasVerdict).map((run) => run.reward as number));
  }

  /** The runs without a verdict: infrastructure failures, cancellations, `isError` grades. */
  get errors(): RunRecord[] {
    return this.runs.filter((run) => !hasVerdict(run));
  }

  /** Counts and the mean reward. */
  totals(): JobTotals {
    const verdicts = this.runs.filter(hasVerdict).length;
    return {
      runs: this.runs.length,
      verdicts,
      errors: this.runs.length - verdicts,
      cancelled: this.runs.filter((run) => run.status === 'cancelled').length,
      reward: this.reward,
    };
  }

  /** Runs grouped by slug, in first-run order, with per-task mean, spread (std, min, max), counts. */
  results(): TaskResult[] {
    const bySlug = new Map<string, RunRecord[]>();
    for (const run of this.runs) {
      const runs = bySlug.get(run.slug);
      if (runs) runs.push(run);
      else bySlug.set(run.slug, [run]);
    }
    return [...bySlug].map(([slug, runs]) => {
      const rewards = runs.filter(hasVerdict).map((run) => run.reward as number);
      const average = mean(rewards);
      const variance =
        average === null ? null : mean(rewards.map((reward) => (reward - average) ** 2));
      return {
        slug,
        count: runs.length,
        verdicts: rewards.length,
        errors: runs.length - rewards.length,
        mean: average,
        std: variance === null ? null : Math.sqrt(variance),
        min: rewards.length ? Math.min(...rewards) : null,
        max: rewards.length ? Math.max(...rewards) : null,
      };
    });
  }

  /** The in-memory trace of a run of this job, when the run kept it (`keepTraces`). */
  trace(traceId: string): Trace | undefined {
    return this.#traces.get(traceId);
  }

  /** @internal Keeps a run's trace in memory. */
  keepTrace(trace: Trace): void {
    this.#traces.set(trace.trace_id, trace);
  }

  /** `{id, name, group, created_at, cancelled, stopped, totals, runs}`. */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      name: this.name,
      group: this.group,
      created_at: this.createdAt,
      cancelled: this.cancelled,
      stopped: this.stopped,
      totals: this.totals(),
      runs: this.runs,
    };
  }
}

/** `slug#groupIndex`: the key of a slot. */
export function slotKey(slug: string, groupIndex: number): string {
  return `${slug}#${groupIndex}`;
}

/**
 * One record per slot from every attempt recorded (a resumed job appends retries): the slot's first
 * verdict if it has one, else its latest attempt. Order: first appearance of the slot.
 */
export function slotOutcomes(records: Iterable<RunRecord>): RunRecord[] {
  const outcomes = new Map<string, RunRecord>();
  for (const record of records) {
    const key = slotKey(record.slug, record.group_index);
    const previous = outcomes.get(key);
    if (previous === undefined || !hasVerdict(previous)) outcomes.set(key, record);
  }
  return [...outcomes.values()];
}
