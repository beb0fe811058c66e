import { type GradeResult, promptMessages, type StopReason } from '@hud/protocol';
import { type AgentPhaseInput, agentTimeoutMs, runAgentPhase } from './agent-phase.js';
import { nextStepOf, runGradePhase } from './grade-phase.js';
import type { RolloutPhase } from './run-record.js';

/**
 * What the agent-then-grade steps of a started task need: what the agent phase takes (`prompt` being that
 * of `tasks.start`, already recorded as a `user` step), and the rest below.
 */
export interface TaskStepsInput
  extends Pick<
    AgentPhaseInput,
    'agent' | 'task' | 'client' | 'prompt' | 'trace' | 'maxSteps' | 'signal'
  > {
  /** The job's agent time limit (ms), which a row's `agent_config.timeout_seconds` overrides. */
  agentTimeoutMs: number | undefined;
  /** Records a failure as the run's error and a `system` step. */
  fail(text: string): void;
  /** Moves the rollout into `phase` (timings and progress). */
  enter(phase: RolloutPhase): void;
  /** Updated as the steps go, so a rollout that throws midway still reports what it got. */
  outcome: TaskStepsOutcome;
}

/** The run so far: the latest step's answer and stop reason, the final grade, and the first error. */
export interface TaskStepsOutcome {
  answer: string | null;
  stopReason: StopReason | null;
  /** The last step's grade; null until it is graded (an earlier step's grade is no verdict on the run). */
  grade: GradeResult | null;
  error: string | null;
  /** Whether the environment may still hold the task: a grade opened a step the run did not finish. */
  taskOpen: boolean;
}

/**
 * Runs the agent on the task's prompt and grades its answer (the `agent loop` and `grading` phases), then,
 * for as long as a grade opens another step (hud-ts multi-step extension: `done: false` with a `prompt`),
 * records that prompt as a `user` step and does it again: same agent, client and trace, the agent time limit
 * applying per step (a step's own `agent_timeout_seconds` over the task's). The last grade is the run's;
 * a run that stops before its last step is graded has no grade. An agent that fails or times out still has
 * its answer graded, and the run stops there (an open step is left for the rollout to cancel).
 * @throws what the agent and grading phases throw (the rollout's signal, grading errors).
 */
export async function runTaskSteps(input: TaskStepsInput): Promise<void> {
  const { task, client, trace, signal, outcome } = input;
  const taskTimeoutMs = agentTimeoutMs(task, input.agentTimeoutMs);
  let prompt = input.prompt;
  let timeoutMs = taskTimeoutMs;
  for (;;) {
    input.enter('agent loop');
    const agent = await runAgentPhase({
      agent: input.agent,
      task,
      client,
      prompt,
      trace,
      maxSteps: input.maxSteps,
      timeoutMs,
      signal,
    });
    outcome.answer = agent.answer;
    outcome.stopReason = agent.stopReason;
    if (agent.error) outcome.error ??= agent.error;
    trace.content = agent.answer;
    input.enter('grading');
    const graded = await runGradePhase({
      task,
      client,
      answer: agent.answer,
      trace,
      signal,
      fail: input.fail,
      onVerifying: () => input.enter('verifying'),
      mayContinue: agent.error === null,
    });
    outcome.taskOpen = nextStepOf(graded.grade) !== undefined;
    if (graded.error) outcome.error ??= graded.error;
    if (!graded.next) {
      outcome.grade = graded.grade;
      return;
    }
    prompt = graded.next.prompt;
    timeoutMs = graded.next.agentTimeoutMs ?? taskTimeoutMs;
    trace.record({ source: 'user', messages: promptMessages(prompt) });
  }
}
