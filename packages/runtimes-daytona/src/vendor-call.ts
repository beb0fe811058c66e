import { type BoundVendorCall, vendorCaller } from '@hud/runtime-kit';
import { DaytonaRuntimeError } from './errors.js';

export type { RetryOptions } from '@hud/runtime-kit';

/** The HTTP status behind a Daytona SDK error (`DaytonaError.statusCode`, axios's `response.status`). */
export function statusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const record = error as unknown as Record<string, unknown>;
  for (const key of ['statusCode', 'status'] as const) {
    if (typeof record[key] === 'number') return record[key] as number;
  }
  const response = record.response as { status?: unknown } | undefined;
  return typeof response?.status === 'number' ? response.status : undefined;
}

/** Whether a failed call is worth another try: 429, 5xx, or no answer at all (a connection failure). */
export function retryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (error instanceof Error && error.name === 'DaytonaConnectionError') ||
    (typeof code === 'string' && /^E[A-Z]+$/.test(code))
  );
}

/**
 * Runs the Daytona SDK call `call` (named for messages), retrying 429, 5xx and network failures with
 * exponential backoff (@hud/runtime-kit's `vendorCall`); any other failure is thrown at once. The final
 * failure becomes a {@link DaytonaRuntimeError} naming the call and the sandbox: `unauthorized` (401/403),
 * `rate_limited` (429), else `vendor_error`.
 * @throws DaytonaRuntimeError; `signal.reason` when aborted.
 */
export const vendorCall: BoundVendorCall = vendorCaller({
  vendor: 'Daytona',
  credentials: 'DAYTONA_API_KEY',
  statusOf,
  retryable,
  errorClass: DaytonaRuntimeError,
});
