import pRetry, { AbortError } from 'p-retry';
import { GatewayError, messageOf } from '../errors.js';
import type { LlmRetryOptions } from './options.js';

/** One request to a provider, already carrying the provider key in `headers`. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** An upstream error answer read in full (kept to hand to the client when retries run out). */
export interface BufferedAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** What an upstream call ends with: a live response (2xx–4xx but 429), or the last retried failure. */
export type UpstreamOutcome =
  | { kind: 'response'; response: Response }
  | { kind: 'failed'; answer: BufferedAnswer; attempts: number };

/** Called before each retry (for a log line without keys or bodies). */
export type RetryObserver = (info: {
  attempt: number;
  status: number | null;
  reason: string;
  delayMs: number;
}) => void;

class RetryableAnswer extends Error {
  readonly answer: BufferedAnswer;
  readonly retryAfterMs: number | undefined;
  constructor(answer: BufferedAnswer, retryAfterMs: number | undefined) {
    super(`upstream answered ${answer.status}`);
    this.answer = answer;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Milliseconds a `retry-after-ms` or `retry-after` header (seconds, or an HTTP date) asks for; undefined
 * when neither is there or readable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Sends `request` upstream, retrying 429, 5xx and connection failures with exponential backoff (p-retry)
 * and waiting at least what `retry-after` asks. An answer asking to wait longer than `maxRetryAfterMs`
 * is not retried. When retries run out the last error answer is returned as it came (`failed`).
 * @throws GatewayError `unavailable` (503) when the provider cannot be reached at all (the message names
 *   `provider`, never the key); the abort error when the client went away.
 */
export async function callUpstream(
  request: UpstreamRequest,
  provider: string,
  options: LlmRetryOptions = {},
  onRetry?: RetryObserver,
): Promise<UpstreamOutcome> {
  const maxRetryAfter = options.maxRetryAfterMs ?? 30_000;
  let attempts = 0;
  try {
    const response = await pRetry(
      async () => {
        attempts += 1;
        const response = await fetch(request.url, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          signal: request.signal,
        });
        if (!retryable(response.status)) return response;
        const answer: BufferedAnswer = {
          status: response.status,
          headers: response.headers,
          body: Buffer.from(await response.arrayBuffer()),
        };
        const wait = retryAfterMs(response.headers);
        const failure = new RetryableAnswer(answer, wait);
        if (wait !== undefined && wait > maxRetryAfter) throw new AbortError(failure);
        throw failure;
      },
      {
        retries: options.retries ?? 2,
        minTimeout: options.minTimeoutMs ?? 500,
        maxTimeout: options.maxTimeoutMs ?? 8_000,
        randomize: true,
        signal: request.signal,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft, retryDelay }) => {
          if (retriesLeft <= 0) return;
          const answer = error instanceof RetryableAnswer ? error : undefined;
          const extra = Math.max(0, (answer?.retryAfterMs ?? 0) - retryDelay);
          onRetry?.({
            attempt: attemptNumber,
            status: answer?.answer.status ?? null,
            reason: answer ? `status ${answer.answer.status}` : messageOf(error),
            delayMs: retryDelay + extra,
          });
          await sleep(extra, request.signal);
        },
      },
    );
    return { kind: 'response', response };
  } catch (error) {
    if (error instanceof RetryableAnswer) {
      return { kind: 'failed', answer: error.answer, attempts };
    }
    if (request.signal.aborted) throw error;
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    throw new GatewayError(
      'unavailable',
      `provider ${provider} could not be reached after ${attempts} attempt(s)${code}; retry later`,
      { cause: error },
    );
  }
}
