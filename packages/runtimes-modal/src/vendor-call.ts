import { type BoundVendorCall, vendorCaller } from '@hud/runtime-kit';
import { ModalRuntimeError } from './errors.js';

export type { RetryOptions } from '@hud/runtime-kit';

/**
 * HTTP-equivalent statuses of gRPC status codes (nice-grpc's `ClientError.code`): the codes a retry or a
 * clear message depends on.
 */
const HTTP_OF_GRPC: Readonly<Record<number, number>> = {
  3: 400, // INVALID_ARGUMENT
  4: 504, // DEADLINE_EXCEEDED
  5: 404, // NOT_FOUND
  7: 403, // PERMISSION_DENIED
  8: 429, // RESOURCE_EXHAUSTED
  13: 500, // INTERNAL
  14: 503, // UNAVAILABLE
  16: 401, // UNAUTHENTICATED
};

/** The HTTP-equivalent status behind a Modal SDK error (a gRPC `ClientError`'s `code`). */
export function statusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return HTTP_OF_GRPC[code] ?? 400;
  return undefined;
}

/** Whether a failed call is worth another try: RESOURCE_EXHAUSTED, UNAVAILABLE, INTERNAL, a deadline, a dropped connection. */
export function retryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/**
 * Runs the Modal SDK call `call` (named for messages), retrying 429, 5xx and network failures with
 * exponential backoff (@hud/runtime-kit's `vendorCall`); any other failure is thrown at once. The final
 * failure becomes a {@link ModalRuntimeError} naming the call and the sandbox: `unauthorized` (401/403),
 * `rate_limited` (429), else `vendor_error`.
 * @throws ModalRuntimeError; `signal.reason` when aborted.
 */
export const vendorCall: BoundVendorCall = vendorCaller({
  vendor: 'Modal',
  credentials: 'MODAL_TOKEN_ID and MODAL_TOKEN_SECRET',
  statusOf,
  retryable,
  errorClass: ModalRuntimeError,
});
