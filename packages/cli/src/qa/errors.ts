import { codedError } from '@hud/protocol';

/** What went wrong in a QA command: a bad workflow file or argument, a missing trace, a judge failure. */
export type QaErrorCode = 'invalid_workflow' | 'invalid_argument' | 'not_found' | 'judge_failed';

/** A QA failure with a string `code` and, when wrapping, a `cause`. */
export class QaError extends codedError<QaErrorCode>('QaError', 'hud.qa-error') {}
