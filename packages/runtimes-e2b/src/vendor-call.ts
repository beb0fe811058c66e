import pRetry, { AbortError } from 'p-retry';
import { E2BRuntimeError, type E2BRuntimePhase } from './errors.js';

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

/** How {@link vendorCall} retries. */
export interface RetryOptions {
  /** Retries after the first try (default 4). */
  retries?: number;
  /** First backoff, ms (default 500; doubled each retry, at most 10 s). */
  minTimeoutMs?: number;
}

/**
 * Runs the E2B SDK call `call` (named for messages), retrying 429, 5xx and network failures with
 * exponential backoff (p-retry); any other failure is thrown at once. The final failure becomes an
 * {@link E2BRuntimeError} naming the call and the sandbox: `unauthorized` (401/403), `rate_limited`
 * (429), else `vendor_error`.
 * @throws E2BRuntimeError; `signal.reason` when aborted.
 */
export async function vendorCall<T>(
  call: string,
  run: () => Promise<T>,
  options: RetryOptions & {
    signal?: AbortSignal;
    sandboxId?: string;
    phase?: E2BRuntimePhase;
  } = {},
): Promise<T> {
  try {
    return await pRetry(
      async () => {
        try {
          return await run();
        } catch (error) {
          if (retryable(error)) throw error;
          throw new AbortError(error as Error);
        }
      },
      {
        retries: options.retries ?? 4,
        minTimeout: options.minTimeoutMs ?? 500,
        maxTimeout: 10_000,
        randomize: true,
        signal: options.signal,
      },
    );
  } catch (error) {
    options.signal?.throwIfAborted();
    const status = statusOf(error);
    const code =
      status === 401 || status === 403
        ? 'unauthorized'
        : status === 429
          ? 'rate_limited'
          : 'vendor_error';
    const where = options.sandboxId ? ` (sandbox ${options.sandboxId})` : '';
    const hint =
      code === 'unauthorized'
        ? ': check E2B_API_KEY'
        : code === 'rate_limited'
          ? ' after retries'
          : '';
    throw new E2BRuntimeError(
      code,
      `E2B ${call}${where} failed${hint}: ${(error as Error).message ?? String(error)}`,
      { cause: error, call, sandboxId: options.sandboxId, phase: options.phase, status },
    );
  }
}
