import { codedError, errorMessage } from '@hud/protocol';

/** String codes of `@hud/eval` failures. */
export type HudEvalErrorCode =
  /** A task row failed validation (the message names the source and the row). */
  | 'invalid_task'
  /** Two tasks share a slug. */
  | 'duplicate_slugs'
  /** A task names an environment that is not among the known ones. */
  | 'unknown_env'
  /** A source holds no tasks, or cannot be read or imported. */
  | 'load_failed'
  /** A source type the loaders do not handle. */
  | 'unsupported_source'
  /** Something hud-ts does not do yet (named in the message). */
  | 'unsupported'
  /** A `select`/`filter` reference that matches no task. */
  | 'unknown_task'
  /** Bad run options (a group below 1, an agent limit not below the rollout limit…). */
  | 'invalid_argument'
  /** No job with that id in the store. */
  | 'job_not_found'
  /** A resume that differs from what the job recorded (another agent, model, group size, source…). */
  | 'resume_mismatch'
  /** A resume of a job another live process is still running. */
  | 'job_running'
  /** A store file that cannot be read back (a corrupt line that is not the torn last one). */
  | 'store_corrupt';

/**
 * A failure of `@hud/eval` (loading, selecting, configuring a run, reading the job store), with a
 * machine-readable `code` and, when wrapping, the underlying `cause`. Rollout failures never throw: they
 * are recorded on the run (`error: "[<phase>] <message>"`).
 */
export class HudEvalError extends codedError<HudEvalErrorCode>('HudEvalError', 'hud.eval-error') {}

/** The message of anything thrown (`error.message` for an `Error`, else `String(error)`). */
export const messageOf: (error: unknown) => string = errorMessage;
