import type { GradeResult, RunStatus, StopReason, TaskRow, TraceStep } from '@hud/protocol';

/** The rollout phases, named in errors as `[<phase>] <message>` (hud-python's names). */
export type RolloutPhase =
  | 'provisioning'
  | 'starting task'
  | 'agent loop'
  | 'grading'
  | 'verifying'
  | 'cleanup';

/**
 * Wall-clock time spent in each phase of a rollout, in milliseconds (0 for a phase never reached);
 * `grading` includes `verifying`.
 */
export interface RunTimings {
  provisioning: number;
  starting: number;
  agent: number;
  grading: number;
  cleanup: number;
  total: number;
}

/** Token usage and cost summed over a run's agent steps; `cost_usd` null when no step reported one. */
export interface RunUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_usd: number | null;
  llm_call_count: number;
}

/**
 * One finished rollout, JSON-serialisable: a line of the job store's `runs.jsonl`. Wire-style keys
 * (snake_case, `isError`) so records read like hud-python's `Run`/trace exit reports.
 */
export interface RunRecord {
  /** `uuid4().hex`; the trace's steps are in `traces/<trace_id>.jsonl`. */
  trace_id: string;
  job_id: string;
  /** Shared by the `group` runs of one task. */
  group_id: string;
  /** 0-based repetition of the task within its group; (slug, group_index) names the slot. */
  group_index: number;
  slug: string;
  task: TaskRow;
  /** The `tasks.start` prompt, verbatim; null when the task never started. */
  prompt: unknown;
  /** The capability bindings `hello` published (names and protocols). */
  bindings: { name: string; protocol: string }[];
  /** The answer that was graded; null when grading never happened. */
  answer: string | null;
  /** The `tasks.grade` frame, verbatim; null without one. */
  grade: GradeResult | null;
  /** `grade.score` when the grade is a verdict, else null. */
  reward: number | null;
  /** True when the run has no verdict: no grade (infrastructure failure, cancellation) or an `isError` grade. */
  isError: boolean;
  status: RunStatus;
  stop_reason: StopReason | null;
  /** The first failure, `[<phase>] <message>`; null when none. */
  error: string | null;
  timings: RunTimings;
  usage: RunUsage;
  /** ISO-8601 UTC. */
  started_at: string;
  ended_at: string;
}

/** Whether a run has a verdict: a grade that is not `isError` (what `job.reward` averages). */
export function hasVerdict(run: Pick<RunRecord, 'grade'>): boolean {
  return run.grade !== null && run.grade.isError !== true;
}

/** Sums the `usage` of agent steps (tokens, cost in USD, model calls; a step counts 1 call by default). */
export function sumUsage(steps: readonly TraceStep[]): RunUsage {
  const usage: RunUsage = {
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_tokens: 0,
    cost_usd: null,
    llm_call_count: 0,
  };
  for (const step of steps) {
    if (step.source !== 'agent' || !step.usage) continue;
    usage.prompt_tokens += step.usage.prompt_tokens ?? 0;
    usage.completion_tokens += step.usage.completion_tokens ?? 0;
    usage.cached_tokens += step.usage.cached_tokens ?? 0;
    usage.llm_call_count += step.usage.llm_call_count ?? 1;
    if (typeof step.usage.cost_usd === 'number') {
      usage.cost_usd = (usage.cost_usd ?? 0) + step.usage.cost_usd;
    }
  }
  return usage;
}
