import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { ErrorClass } from './adapter.js';

/** How model calls are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 6). */
  retries: number;
  /** First backoff delay, ms (default 1000); doubles each retry, with jitter (×1–2). */
  minDelayMs: number;
  /** Longest backoff delay, ms (default 60 000). */
  maxDelayMs: number;
  /** Longest `retry-after` honoured, ms (default 120 000); a longer one is cut to this. */
  maxRetryAfterMs: number;
}

/** The default {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 6,
  minDelayMs: 1000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 120_000,
};

/** Information about a retry, for logs. */
export interface RetryNotice {
  attempt: number;
  error: unknown;
  /** How long until the next attempt, ms (backoff or `retry-after`, whichever is longer). */
  delayMs: number;
  status: number | undefined;
}

/** Response headers as SDKs hand them over: a `Headers`-like object or a plain record. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Record<string, unknown>
  | null
  | undefined;

/** The header `name` of `headers` (a `Headers`-like object or a plain record), or undefined. */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The server's requested wait in ms from `retry-after-ms` (Stainless SDKs) or `retry-after` (seconds or an
 * HTTP date, RFC 9110 §10.2.3); undefined when absent or unreadable.
 */
export function retryAfterFromHeaders(headers: HeaderSource, now = Date.now()): number | undefined {
  const msValue = headerValue(headers, 'retry-after-ms');
  const ms = Number(msValue);
  if (msValue !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headerValue(headers, 'retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { name, code, cause } = error as { name?: unknown; code?: unknown; cause?: unknown };
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') return true;
  if (error instanceof TypeError && /fetch failed|terminated|socket/i.test(error.message))
    return true;
  return isConnectionFailure(cause, depth + 1);
}

/**
 * Classifies a provider SDK error the way every harness needs (an {@link ErrorClass}): retryable on 408,
 * 409, 429, 529 and 5xx, and on connection resets, refusals and timeouts (SDK `APIConnectionError`s, Node
 * socket codes anywhere in the `cause` chain); `retryAfterMs` from the error's `headers`. Works for the
 * Anthropic and OpenAI SDKs (`status`, `headers`) and errors carrying `status`/`code` numbers (Gemini).
 */
export function classifyHttpError(error: unknown): ErrorClass {
  const { status, code, headers } = (error ?? {}) as {
    status?: unknown;
    code?: unknown;
    headers?: HeaderSource;
  };
  const httpStatus =
    typeof status === 'number' ? status : typeof code === 'number' ? code : undefined;
  if (httpStatus !== undefined) {
    const retryable =
      httpStatus === 408 ||
      httpStatus === 409 ||
      httpStatus === 429 ||
      httpStatus === 529 ||
      httpStatus >= 500;
    return { status: httpStatus, retryable, retryAfterMs: retryAfterFromHeaders(headers) };
  }
  return { status: undefined, retryable: isConnectionFailure(error), retryAfterMs: undefined };
}

/**
 * Runs `attempt` until it succeeds, retrying the failures `classify` calls retryable with exponential
 * backoff and jitter (p-retry), waiting at least the server's `retry-after`. `signal` stops the waiting.
 * @throws the last error when it is not retryable or the retries run out; `signal.reason` on abort.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: {
    classify: (error: unknown) => ErrorClass;
    policy?: Partial<RetryPolicy>;
    signal: AbortSignal;
    onRetry?: (notice: RetryNotice) => void;
  },
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  // The latest classification, computed once per failure (shouldRetry runs after onFailedAttempt).
  let last: ErrorClass | undefined;
  return pRetry(() => attempt(), {
    retries: policy.retries,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    factor: 2,
    randomize: true,
    signal: options.signal,
    onFailedAttempt: async (context) => {
      last = options.classify(context.error);
      if (!last.retryable || context.retriesLeft === 0) return;
      // p-retry waits `retryDelay` after this returns; top it up to the server's retry-after.
      const wanted = Math.min(last.retryAfterMs ?? 0, policy.maxRetryAfterMs);
      const extra = Math.max(0, wanted - context.retryDelay);
      options.onRetry?.({
        attempt: context.attemptNumber,
        error: context.error,
        delayMs: context.retryDelay + extra,
        status: last.status,
      });
      if (extra > 0) await sleep(extra, undefined, { signal: options.signal });
    },
    shouldRetry: () => last?.retryable === true,
  });
}
