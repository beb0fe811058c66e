import type { GradeResult, HudClient, JsonObject, TaskRow } from '@hud/protocol';
import { abortable } from './abort.js';
import { HudEvalError } from './errors.js';
import type { Trace } from './trace.js';

/** What the verifying phase needs. */
export interface VerifierPhaseInput {
  /** The verifier row (`task.verifier`). */
  verifier: TaskRow;
  /** The actor's row. */
  task: TaskRow;
  /** The actor's control connection, reused for the verifier. */
  client: HudClient;
  /** The actor's grade frame: the verifier's answer. */
  actorGrade: JsonObject;
  trace: Trace;
  signal: AbortSignal;
}

/**
 * Runs a task's verifier on the actor's connection (hud-python's same-environment verifier flow, spec
 * §5.4): `tasks.start(verifier.id, verifier.args)` then `tasks.grade {answer: <actor grade>}`, each recorded
 * as a `task` step. The verifier's grade replaces the actor's.
 * @throws HudEvalError `unsupported` for a verifier in another environment or with its own
 *   `runtime_config` (hud-python moves the actor's session there by snapshot/restore, which hud-ts
 *   runtimes do not offer yet); the errors of `startTask`/`grade`; the signal's reason.
 */
export async function runVerifierPhase(input: VerifierPhaseInput): Promise<GradeResult> {
  const { verifier, task, client, trace, signal, actorGrade } = input;
  if (verifier.env !== task.env || verifier.runtime_config) {
    throw new HudEvalError(
      'unsupported',
      `verifier '${verifier.slug}' needs its own runtime (env '${verifier.env}'); only verifiers in the task's environment without runtime_config run in hud-ts so far`,
    );
  }
  const start = await abortable(client.startTask(verifier.id, verifier.args), signal);
  trace.record({
    source: 'task',
    task_call: { phase: 'setup', name: verifier.id, arguments: verifier.args, result: start },
  });
  const grade = await abortable(client.grade({ answer: actorGrade }), signal);
  trace.record({
    source: 'task',
    task_call: {
      phase: 'evaluate',
      name: verifier.id,
      arguments: { answer: actorGrade },
      result: grade,
    },
    ...(grade.isError ? { error: grade.content || 'the verifier reported an error' } : {}),
  });
  return grade;
}
