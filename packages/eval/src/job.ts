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
    let sum = 0;
    let verdicts = 0;
    for (const run of this.runs) {
      if (!hasVerdict(run)) continue;
      sum += run.reward as number;
      verdicts++;
    }
    return verdicts === 0 ? null : sum / verdicts;
  }

  /** The runs without a verdict: infrastructure failures, cancellations, `isError` grades. */
  get errors(): RunRecord[] {
    return this.runs.filter((run) => !hasVerdict(run));
  }

  /** Counts and the mean reward. */
  totals(): JobTotals {
    let verdicts = 0;
    let cancelled = 0;
    for (const run of this.runs) {
      if (hasVerdict(run)) verdicts++;
      if (run.status === 'cancelled') cancelled++;
    }
    return {
      runs: this.runs.length,
      verdicts,
      errors: this.runs.length - verdicts,
      cancelled,
      reward: this.reward,
    };
  }

  /**
   * Runs grouped by slug, in first-run order, with per-task mean, spread (std, min, max), counts. One pass
   * over the runs keeping only each task's rewards (a job's end with 10,000 tasks must not copy every run).
   */
  results(): TaskResult[] {
    const bySlug = new Map<string, { count: number; rewards: number[] }>();
    for (const run of this.runs) {
      let task = bySlug.get(run.slug);
      if (!task) {
        task = { count: 0, rewards: [] };
        bySlug.set(run.slug, task);
      }
      task.count++;
      if (hasVerdict(run)) task.rewards.push(run.reward as number);
    }
    const results: TaskResult[] = [];
    for (const [slug, { count, rewards }] of bySlug) {
      const average = mean(rewards);
      let variance: number | null = null;
      let min: number | null = null;
      let max: number | null = null;
      if (average !== null) {
        let squares = 0;
        min = max = rewards[0] as number;
        for (const reward of rewards) {
          squares += (reward - average) ** 2;
          if (reward < min) min = reward;
          if (reward > max) max = reward;
        }
        variance = squares / rewards.length;
      }
      results.push({
        slug,
        count,
        verdicts: rewards.length,
        errors: count - rewards.length,
        mean: average,
        std: variance === null ? null : Math.sqrt(variance),
        min,
        max,
      });
    }
    return results;
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
