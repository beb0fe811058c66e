import { type BoundVendorCall, vendorCaller } from '@hud/runtime-kit';
import { E2BRuntimeError } from './errors.js';

export type { RetryOptions } from '@hud/runtime-kit';

/** HTTP statuses of the E2B SDK's error classes that carry none (`statusCode` is set on the others). */
const STATUS_BY_NAME: Readonly<Record<string, number>> = {
  AuthenticationError: 401,
  RateLimitError: 429,
  ServiceBusyError: 503,
  NotFoundError: 404,
  InvalidArgumentError: 400,
};

/** The HTTP status behind an E2B SDK error: `statusCode`/`status`, its class, or a `"<status>: …"` message. */
export function statusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  for (const key of ['statusCode', 'status'] as const) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') return value;
  }
  const named = STATUS_BY_NAME[error.name];
  if (named !== undefined) return named;
  const match = /^(\d{3}): /.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/** Whether a failed call is worth another try: 429, 5xx, or no answer at all (a network failure). */
export function retryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return error instanceof TypeError; // fetch's network failures
  return status === 429 || status >= 500;
}

/**
 * Runs the E2B SDK call `call` (named for messages), retrying 429, 5xx and network failures with
 * exponential backoff (@hud/runtime-kit's `vendorCall`); any other failure is thrown at once. The final
 * failure becomes a {@link E2BRuntimeError} naming the call and the sandbox: `unauthorized` (401/403),
 * `rate_limited` (429), else `vendor_error`.
 * @throws E2BRuntimeError; `signal.reason` when aborted.
 */
export const vendorCall: BoundVendorCall = vendorCaller({
  vendor: 'E2B',
  credentials: 'E2B_API_KEY',
  statusOf,
  retryable,
  errorClass: E2BRuntimeError,
});
