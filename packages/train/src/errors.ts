import { codedError } from '@hud/protocol';

/** String codes of `@hud/train` failures. */
export type TrainingErrorCode =
  /** A bad option (a learning rate ≤ 0, an empty batch, a group size below 1…). */
  | 'invalid_argument'
  /** A batch the group checks refuse (not divisible by the group size, an incomplete group, a run without a verdict or cut by a timeout). */
  | 'invalid_batch'
  /** The service answered with an HTTP error (the status and its message in the error's message). */
  | 'http_error'
  /** The request never got an answer (connection refused, reset, timed out); it is not retried. */
  | 'request_failed'
  /** The service answered 2xx with a body that is not the documented shape. */
  | 'invalid_response';

/**
 * A failure of `@hud/train`, with a machine-readable `code`, the HTTP `status` for `http_error`, and the
 * underlying `cause` when wrapping. Training POSTs are never retried: after `request_failed` the step may or
 * may not have been applied; check `checkpoints()` before sending it again.
 */
export class TrainingError extends codedError<TrainingErrorCode>(
  'TrainingError',
  'hud.training-error',
) {
  /** The HTTP status of an `http_error`. */
  status: number | undefined;
}
