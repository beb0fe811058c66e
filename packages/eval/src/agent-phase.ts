import {
  type Agent,
  type AgentContext,
  type Capability,
  type HudClient,
  HudError,
  promptMessages,
  promptText,
  type StopReason,
  type TaskRow,
} from '@hud/protocol';
import { abortable } from './abort.js';
import type { Trace } from './trace.js';

/** What the agent phase needs. */
export interface AgentPhaseInput {
  agent: Agent;
  task: TaskRow;
  client: HudClient;
  prompt: unknown;
  trace: Trace;
  maxSteps: number;
  /** The agent's time limit in ms, if any. */
  timeoutMs: number | undefined;
  /** The rollout's signal (job cancellation, rollout time limit): its abort propagates as a rejection. */
  signal: AbortSignal;
}

/** How the agent phase ended; a failure is already recorded as a `system` step. */
export interface AgentPhaseResult {
  /** What to grade: the agent's answer, or `''` when it failed or ran out of time. */
  answer: string;
  stopReason: StopReason | null;
  /** `[agent loop] <message>` when the agent threw or exceeded its time limit. */
  error: string | null;
}

/**
 * The agent's time limit in ms: the row's `agent_config.timeout_seconds` (the one per-task agent override
 * hud-python honours locally) over `defaultMs`.
 */
export function agentTimeoutMs(task: TaskRow, defaultMs: number | undefined): number | undefined {
  const seconds = task.agent_config?.timeout_seconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : defaultMs;
}

function routedBindings(client: HudClient): Capability[] {
  return (client.manifest?.bindings ?? []).map((binding) => {
    try {
      return client.binding(binding.name);
    } catch {
      return binding; // two bindings with one name: keep the published one
    }
  });
}

/**
 * Runs the agent on a started task (the `agent loop` phase, spec §5.4). The agent's signal aborts on its
 * time limit, on the rollout's signal and when the control connection drops. On its time limit the phase
 * ends with stop reason `timeout` and a `system` step; an agent error ends it with a `system` step
 * `[agent loop] <message>`; either way the run is still graded. An agent that ignores its signal is left
 * behind (its later steps are dropped).
 * @throws the rollout signal's reason when the job is cancelled or the rollout time limit passes.
 */
export async function runAgentPhase(input: AgentPhaseInput): Promise<AgentPhaseResult> {
  const { client, trace, timeoutMs } = input;
  // The agent's signal: aborted by the rollout's signal, the dropped connection or the time limit. Plain
  // listeners removed when the phase ends, not AbortSignal.any, whose weak references and finalization
  // records outlive every rollout until a full collection (a long job's heap filled with them).
  const agentStop = new AbortController();
  const signal = agentStop.signal;
  let timeLimit: HudError | undefined;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timeLimit = new HudError('timeout', `agent exceeded its time limit of ${timeoutMs} ms`);
          agentStop.abort(timeLimit);
        }, timeoutMs);
  const unfollow = [input.signal, client.signal].map((source) => follow(source, agentStop));
  const messages = promptMessages(input.prompt);
  const context: AgentContext = {
    task: input.task,
    prompt: input.prompt,
    promptMessages: messages,
    promptText: promptText(messages),
    bindings: routedBindings(client),
    episodeBindings: client.episodeBindings,
    client,
    signal,
    maxSteps: input.maxSteps,
    traceId: trace.trace_id,
    record: (step) => {
      trace.record(step);
    },
  };
  try {
    const result = await abortable(
      Promise.resolve().then(() => input.agent.run(context)),
      signal,
    );
    const answer =
      typeof result?.answer === 'string' ? result.answer : String(result?.answer ?? '');
    return { answer, stopReason: result?.stopReason ?? 'done', error: null };
  } catch (error) {
    if (input.signal.aborted) throw input.signal.reason;
    const cause = timeLimit ?? error;
    const text = `[agent loop] ${cause instanceof Error ? cause.message : String(cause)}`;
    trace.record({ source: 'system', error: text });
    return { answer: '', stopReason: timeLimit ? 'timeout' : null, error: text };
  } finally {
    clearTimeout(timer);
    for (const stop of unfollow) stop();
  }
}

/**
 * Aborts `target` with `source`'s reason when `source` aborts (at once if it has); returns what removes
 * the listener.
 */
function follow(source: AbortSignal, target: AbortController): () => void {
  if (source.aborted) {
    if (!target.signal.aborted) target.abort(source.reason);
    return () => {};
  }
  const onAbort = () => {
    if (!target.signal.aborted) target.abort(source.reason);
  };
  source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}
