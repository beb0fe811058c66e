import type { HudClient } from './client.js';
import type { Capability, TaskRow } from './schemas.js';
import type { PromptMessage, StepInput, StopReason } from './trace.js';

// The agent contract: what the agent side's runner (`@hud/eval`) hands an agent for one run and what it
// gets back. Types only, so the runner and the agents (`@hud/agents`) share it without importing each other.

/**
 * What an agent gets for one run (hud-python `Run` as an agent sees it, spec §7.1): the task, its prompt,
 * the capability bindings (URLs rewritten to local forwarders), an opened client, and `record` for steps.
 */
export interface AgentContext {
  readonly task: TaskRow;
  /** The `prompt` of the `tasks.start` frame, verbatim (a string or a list of chat messages). */
  readonly prompt: unknown;
  /** The prompt as messages (system roles become user, as in hud-python). */
  readonly promptMessages: readonly PromptMessage[];
  /** The prompt's text parts joined by a blank line. */
  readonly promptText: string;
  /** `hello.bindings`, each routed through a local forwarder. */
  readonly bindings: readonly Capability[];
  /** Per-episode refinements from `tasks.start` (`{<capability name>: {...}}`). */
  readonly episodeBindings: Readonly<Record<string, Record<string, unknown>>>;
  /** The connected control-channel client (use `open(ref)` for protocol clients). */
  readonly client: HudClient;
  /** Aborted when the run's agent time limit passes or the job is cancelled: stop promptly. */
  readonly signal: AbortSignal;
  /** The step budget (`--max-steps`); agents that loop must stop there with stop reason `max_steps`. */
  readonly maxSteps: number;
  /** The run's trace id (`uuid4().hex`), e.g. for a gateway's `Trace-Id` header; absent outside a job. */
  readonly traceId?: string;
  /** Records a step in the run's trace (assigns `step_id`, fills `ended_at`). */
  record(step: StepInput): void;
}

/** What an agent returns: the answer to grade (the final assistant text) and why it stopped. */
export interface AgentResult {
  answer: string;
  /** Default `done`. */
  stopReason?: StopReason;
}

/**
 * An agent: a model plus a harness that drives capabilities and produces an answer. One instance serves
 * concurrent runs, so keep per-run state in `run`, not on the instance.
 */
export interface Agent {
  /** The registry name, e.g. `oracle`, `claude`. */
  readonly name: string;
  /** The model it calls, when it calls one (recorded in traces). */
  readonly model?: string;
  /**
   * Runs one attempt at the task.
   * @throws anything: the run is recorded as errored in the `agent loop` phase (and still graded).
   */
  run(context: AgentContext): Promise<AgentResult>;
}
