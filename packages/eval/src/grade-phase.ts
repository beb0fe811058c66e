import type { GradeResult, HudClient, TaskRow } from '@hud/protocol';
import { abortable } from './abort.js';
import { messageOf } from './errors.js';
import type { Trace } from './trace.js';
import { runVerifierPhase } from './verifier-phase.js';

/** What the grading phase needs. */
export interface GradePhaseInput {
  task: TaskRow;
  client: HudClient;
  answer: string;
  trace: Trace;
  signal: AbortSignal;
  /** Records a failure (`[grading] …`) as the run's error and a `system` step. */
  fail(text: string): void;
  /** Called when the verifier starts (the `verifying` phase). */
  onVerifying(): void;
  /** Whether the run may go on to a next step the grade opens (false once the agent failed). */
  mayContinue: boolean;
}

/** The next step of a multi-step task (hud-ts extension): its prompt and the agent's time limit for it. */
export interface NextStep {
  prompt: unknown;
  /** From the grade's `agent_timeout_seconds`, when it is a positive number; ms. */
  agentTimeoutMs: number | undefined;
}

/** The run's grade, and the error an `isError` grade gives the run. */
export interface GradePhaseResult {
  grade: GradeResult;
  error: string | null;
  /** Set when the grade graded one step of a multi-step task and the run goes on to this next one. */
  next?: NextStep;
}

/**
 * The step a grade opens: `done: false` with a non-null `prompt` (hud-ts multi-step extension, written by
 * `@hud/environment` for a template that yields such a grade; a hud-python server never sends `prompt`).
 */
export function nextStepOf(grade: GradeResult): NextStep | undefined {
  if (grade.done !== false || grade.prompt === undefined || grade.prompt === null) return undefined;
  const seconds = grade.agent_timeout_seconds;
  return {
    prompt: grade.prompt,
    agentTimeoutMs: typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : undefined,
  };
}

const detailOf = (grade: GradeResult, who: string) =>
  grade.content || `the ${who} reported an error`;

/**
 * Grades the answer (`tasks.grade {answer}`, recorded as a `task` step with `task_call.phase = evaluate`;
 * an `isError` grade also sets the step's `error`), then runs the task's verifier if it has one, whose
 * grade replaces the actor's (hud-python `Run.__aexit__` and the verifier flow, spec §5.4). When grading
 * fails and a verifier exists, the verifier still runs on hud-python's stand-in grade
 * `{score: 0, answer, content: <error>, isError: true}`. A grade that opens a next step (see
 * {@link nextStepOf}) is returned with `next` when `mayContinue` and it is not an `isError` grade; the
 * verifier then waits for the last step's grade (its `tasks.start` would end the actor's task).
 * @throws the grading error (no verifier), the verifier's errors, or the signal's reason.
 */
export async function runGradePhase(input: GradePhaseInput): Promise<GradePhaseResult> {
  const { task, client, answer, trace, signal } = input;
  let actor: GradeResult;
  try {
    actor = await abortable(client.grade({ answer }), signal);
    trace.record({
      source: 'task',
      task_call: { phase: 'evaluate', name: task.id, arguments: { answer }, result: actor },
      ...(actor.isError ? { error: detailOf(actor, 'grader') } : {}),
    });
  } catch (thrown) {
    if (signal.aborted || !task.verifier) throw thrown;
    input.fail(`[grading] ${messageOf(thrown)}`);
    actor = { score: 0, answer, content: messageOf(thrown), isError: true };
  }
  const next = input.mayContinue && !actor.isError ? nextStepOf(actor) : undefined;
  if (next) return { grade: actor, error: null, next };
  if (!task.verifier) {
    return { grade: actor, error: actor.isError ? `[grading] ${detailOf(actor, 'grader')}` : null };
  }
  input.onVerifying();
  const grade = await runVerifierPhase({
    verifier: task.verifier,
    task,
    client,
    actorGrade: actor,
    trace,
    signal,
  });
  return { grade, error: grade.isError ? `[verifying] ${detailOf(grade, 'verifier')}` : null };
}
