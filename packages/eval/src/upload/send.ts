import { codedError } from '@hud/protocol';
import pRetry, { AbortError } from 'p-retry';

/** Why an upload request failed for good. */
export type UploadErrorCode =
  /** The platform could not be reached, or kept answering 429/502/503/504, through every retry. */
  | 'unavailable'
  /** 401/403: the key is unknown, revoked or not allowed: nothing else will go either. */
  | 'unauthorized'
  /** Another 4xx: this request was refused (the message has the platform's reason); others may go. */
  | 'rejected'
  /** The uploader was stopped (a flush ran out of time) while the request was in flight. */
  | 'aborted';

/** A failed upload request; the message names the request (method, origin and path) and never the key. */
export class UploadError extends codedError<UploadErrorCode>(
  'UploadError',
  'hud.eval.upload-error',
) {}

/** How {@link sendJson} retries and times out. */
export interface SendPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff, ms (doubling, randomised, capped at `maxRetryMs`). */
  minRetryMs: number;
  maxRetryMs: number;
  /** Per-attempt time limit, ms. */
  timeoutMs: number;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** The platform's own message from an error body (`{error: {message}}`, `{detail}`), else the text. */
function reasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; detail?: unknown };
    if (typeof body.error?.message === 'string') return body.error.message;
    if (typeof body.detail === 'string') return body.detail;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || '(empty body)';
}

/**
 * POSTs `body` (JSON text) to `url` with `Authorization: Bearer <apiKey>`, retrying network failures and
 * 429/502/503/504 answers with exponential backoff (p-retry); resolves once a 2xx answer came.
 * @throws UploadError `unavailable` after the retries; `unauthorized` on 401/403 and `rejected` on another
 *   4xx/5xx (not retried); `aborted` when `signal` aborts.
 */
export async function sendJson(
  url: string,
  body: string,
  options: { apiKey: string; policy: SendPolicy; signal: AbortSignal; fetch: typeof fetch },
): Promise<void> {
  const where = `POST ${new URL(url).origin}${new URL(url).pathname}`;
  const attempt = async (): Promise<void> => {
    let response: Response;
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(options.policy.timeoutMs), options.signal]),
      });
    } catch (cause) {
      if (options.signal.aborted) {
        throw new AbortError(new UploadError('aborted', `${where} stopped`, { cause }));
      }
      const code = (cause as { cause?: { code?: unknown } }).cause?.code;
      throw new UploadError(
        'unavailable',
        `${where} failed: ${(cause as Error).message}${typeof code === 'string' ? ` (${code})` : ''}`,
        { cause },
      );
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return;
    const status = response.status;
    const message = `${where} answered ${status}: ${reasonOf(text)}`;
    if (RETRY_STATUSES.has(status)) throw new UploadError('unavailable', message);
    const code = status === 401 || status === 403 ? 'unauthorized' : 'rejected';
    throw new AbortError(new UploadError(code, message));
  };
  try {
    await pRetry(attempt, {
      retries: options.policy.retries,
      minTimeout: options.policy.minRetryMs,
      maxTimeout: options.policy.maxRetryMs,
      factor: 2,
      randomize: true,
      signal: options.signal,
    });
  } catch (error) {
    if (UploadError.isInstance(error)) throw error;
    const inner = (error as { originalError?: unknown }).originalError;
    if (UploadError.isInstance(inner)) throw inner;
    throw new UploadError(
      options.signal.aborted ? 'aborted' : 'unavailable',
      `${where} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
