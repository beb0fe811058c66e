import { codedError } from '@hud/protocol';

/**
 * Machine-readable codes of {@link GraderError}:
 * - `invalid_argument`: the caller passed something the grader cannot use (a value outside `[0, 1]`, an empty
 *   `combine`, a missing `command`); hud-python raises `ValueError`/`TypeError`/`ValidationError` here.
 * - `cwd_not_found`: a command's working directory does not exist or is not a directory.
 * - `command_not_found`: the program to run (`/bin/bash`, `argv[0]`) does not exist.
 * - `spawn_failed`: the operating system refused to start the command for another reason.
 * - `provider_error`: the LLM provider failed (HTTP error, connection refused, malformed reply).
 * - `not_available`: an optional package the grader needs is not installed (`openai` for `LLMJudgeGrader`);
 *   the message is the `npm install` line.
 */
export type GraderErrorCode =
  | 'invalid_argument'
  | 'cwd_not_found'
  | 'command_not_found'
  | 'spawn_failed'
  | 'provider_error'
  | 'not_available';

/**
 * A failure raised by `@hud/graders`, with a string {@link GraderErrorCode} and the underlying `cause` when it
 * wraps another error. Infrastructure failures during grading are usually returned as error results instead
 * (see `errorSubScore`); this is thrown for caller mistakes and by command executors.
 */
export class GraderError extends codedError<GraderErrorCode>('GraderError', 'hud.grader-error') {}
