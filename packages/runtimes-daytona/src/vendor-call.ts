import pRetry, { AbortError } from 'p-retry';
import { DaytonaRuntimeError, type DaytonaRuntimePhase } from './errors.js';

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

/** How {@link vendorCall} retries. */
export interface RetryOptions {
  /** Retries after the first try (default 4). */
  retries?: number;
  /** First backoff, ms (default 500; doubled each retry, at most 10 s). */
  minTimeoutMs?: number;
}

/**
 * Runs the Daytona SDK call `call` (named for messages), retrying 429, 5xx and network failures with
 * exponential backoff (p-retry); any other failure is thrown at once. The final failure becomes an
 * {@link DaytonaRuntimeError} naming the call and the sandbox: `unauthorized` (401/403), `rate_limited`
 * (429), else `vendor_error`.
 * @throws DaytonaRuntimeError; `signal.reason` when aborted.
 */
export async function vendorCall<T>(
  call: string,
  run: () => Promise<T>,
  options: RetryOptions & {
    signal?: AbortSignal;
    sandboxId?: string;
    phase?: DaytonaRuntimePhase;
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
        ? ': check DAYTONA_API_KEY'
        : code === 'rate_limited'
          ? ' after retries'
          : '';
    throw new DaytonaRuntimeError(
      code,
      `Daytona ${call}${where} failed${hint}: ${(error as Error).message ?? String(error)}`,
      { cause: error, call, sandboxId: options.sandboxId, phase: options.phase, status },
    );
  }
}
