import pRetry, { AbortError } from 'p-retry';
import { ModalRuntimeError, type ModalRuntimePhase } from './errors.js';

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

/** How {@link vendorCall} retries. */
export interface RetryOptions {
  /** Retries after the first try (default 4). */
  retries?: number;
  /** First backoff, ms (default 500; doubled each retry, at most 10 s). */
  minTimeoutMs?: number;
}

/**
 * Runs the Modal SDK call `call` (named for messages), retrying 429, 5xx and network failures with
 * exponential backoff (p-retry); any other failure is thrown at once. The final failure becomes an
 * {@link ModalRuntimeError} naming the call and the sandbox: `unauthorized` (401/403), `rate_limited`
 * (429), else `vendor_error`.
 * @throws ModalRuntimeError; `signal.reason` when aborted.
 */
export async function vendorCall<T>(
  call: string,
  run: () => Promise<T>,
  options: RetryOptions & {
    signal?: AbortSignal;
    sandboxId?: string;
    phase?: ModalRuntimePhase;
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
        ? ': check MODAL_TOKEN_ID and MODAL_TOKEN_SECRET'
        : code === 'rate_limited'
          ? ' after retries'
          : '';
    throw new ModalRuntimeError(
      code,
      `Modal ${call}${where} failed${hint}: ${(error as Error).message ?? String(error)}`,
      { cause: error, call, sandboxId: options.sandboxId, phase: options.phase, status },
    );
  }
}
