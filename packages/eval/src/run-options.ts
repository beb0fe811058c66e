import type { Agent, HudLogger, Provider } from '@hud/protocol';
import { HudEvalError } from './errors.js';
import type { JobEvent } from './events.js';
import type { FileTrackingOptions } from './filetracking/observer.js';
import type { Job } from './job.js';
import type { RunStore } from './run-store.js';

/** Defaults of {@link RunOptions} (hud-python's CLI: `--max-concurrent 30`, `--max-steps 10`). */
export const RunDefaults = {
  group: 1,
  maxConcurrent: 30,
  maxSteps: 10,
  teardownTimeoutMs: 30_000,
} as const;

/** Options of `taskset.run(...)` / `Task.run(...)`. */
export interface RunOptions {
  /** The agent; one instance drives every rollout. */
  agent: Agent;
  /** Placement: provisions a runtime per rollout (the CLI builds it from `--runtime`). */
  provider: Provider;
  /** Runs per task (GRPO-style group), ≥ 1. Default 1, or the resumed job's group. */
  group?: number;
  /** Rollouts in flight at once, ≥ 1. Default 30. */
  maxConcurrent?: number;
  /**
   * Time limit of a whole rollout, provisioning to grading, ms. On expiry the run is recorded as errored
   * (stop reason `timeout`) and torn down in the background. Default: none.
   */
  rolloutTimeoutMs?: number;
  /**
   * Time limit of the agent loop, ms; a row's `agent_config.timeout_seconds` overrides it. On expiry the
   * agent's signal aborts, the run gets stop reason `timeout` and status `error`, and it is still graded.
   * Must be below `rolloutTimeoutMs`. Default: none.
   */
  agentTimeoutMs?: number;
  /** Step budget passed to the agent. Default 10, or the resumed job's. */
  maxSteps?: number;
  /** Readiness deadline of the control connection, ms (a runtime's `params.ready_timeout` wins). Default 240 000. */
  readyTimeoutMs?: number;
  /** How long a cleanup phase (and, at job end, background teardown) may take, ms. Default 30 000. */
  teardownTimeoutMs?: number;
  /** Add the runs to this job instead of opening a new one (hud-python `job=`). */
  job?: Job;
  /** The job's name. Default: the task id for one task, else `<taskset> (<n> tasks)`, `+ (<g> times)`. */
  name?: string;
  /** Where to record the job (`job.json`, `runs.jsonl`, traces): a `JobStore`. Default: memory only. */
  store?: RunStore;
  /**
   * Resume this job of `store`: run only the (slug, group index) slots without a verdict, appending to
   * the same job. The agent (name and model), `group`, `maxSteps`, `source` and the taskset's slugs must
   * match what the job recorded (an unset `group`/`maxSteps`/`source` takes the recorded one), and no
   * live process may be running the job.
   */
  resume?: string;
  /** What the tasks were loaded from, recorded in `job.json` (e.g. the CLI's SOURCE argument). */
  source?: string;
  /** The caller's own settings, recorded in `job.json` as `settings` (the CLI records `{runtime}`). */
  settings?: Record<string, string | number | boolean | null>;
  /** Cancels the job (Ctrl-C): no new rollouts; running ones get `tasks.cancel`; the partial job resolves. */
  signal?: AbortSignal;
  /** Progress events; exceptions it throws are logged and ignored. */
  onEvent?: (event: JobEvent) => void;
  /**
   * Record file tracking (spec §3.7): when set and an environment publishes a `filetracking` binding
   * (`env.workspace()` does by default), each rollout polls it during the agent loop and hands its spans
   * (`hud.filetracking.v1`) to `onSpan`. hud-python does this only when telemetry is on: the CLI sets it
   * when it uploads (`JobUploader.onSpan`). Failures of the tracker are warnings, never run errors.
   */
  fileTracking?: FileTrackingOptions;
  /** Diagnostics (store write failures, teardown problems). Libraries never print. */
  logger?: HudLogger;
  /** Keep every run's {@link Trace} in memory (`job.trace(id)`). Default: true without a store. */
  keepTraces?: boolean;
  /**
   * Asked before each rollout starts: a string refuses it, and no further rollout starts (running ones
   * finish); the first refusal becomes `job.stopped` (e.g. a spending budget: `budget reached: …`).
   * Refused slots have no record, so `--resume` runs them later.
   */
  admit?: () => string | undefined;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new HudEvalError('invalid_argument', message);
}

function positiveInteger(value: number | undefined, name: string): void {
  check(
    value === undefined || (Number.isInteger(value) && value >= 1),
    `${name} must be an integer ≥ 1, got ${value}`,
  );
}

function positive(value: number | undefined, name: string): void {
  check(
    value === undefined || (Number.isFinite(value) && value > 0),
    `${name} must be a positive number of ms, got ${value}`,
  );
}

/**
 * Checks run options (hud-python `run` step 1 and the pre-flight timeout check).
 * @throws HudEvalError `invalid_argument` naming the bad option.
 */
export function validateRunOptions(options: RunOptions): void {
  check(typeof options.agent?.run === 'function', 'agent must be an Agent (an object with run())');
  check(typeof options.provider === 'function', 'provider must be a Provider function');
  positiveInteger(options.group, 'group');
  positiveInteger(options.maxConcurrent, 'maxConcurrent');
  positive(options.rolloutTimeoutMs, 'rolloutTimeoutMs');
  positive(options.agentTimeoutMs, 'agentTimeoutMs');
  positive(options.readyTimeoutMs, 'readyTimeoutMs');
  positive(options.teardownTimeoutMs, 'teardownTimeoutMs');
  positive(options.fileTracking?.intervalMs, 'fileTracking.intervalMs');
  positive(options.fileTracking?.callTimeoutMs, 'fileTracking.callTimeoutMs');
  check(
    options.fileTracking === undefined || typeof options.fileTracking.onSpan === 'function',
    'fileTracking.onSpan must be a function',
  );
  check(!(options.resume && options.job), 'pass either resume or job, not both');
  check(
    !options.resume || options.store !== undefined,
    'resume needs the store that holds the job',
  );
}
