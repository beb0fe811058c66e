import { Readable } from 'node:stream';
import { GatewayError, messageOf } from '../errors.js';
import type { LlmRetryOptions } from './options.js';
import type { LlmTarget } from './target.js';
import {
  type BufferedAnswer,
  callUpstream,
  type RetryObserver,
  type UpstreamRequest,
} from './upstream.js';

/**
 * How one target (a model and its provider) answered:
 * - `answer`: a response to pass on (2xx, or a 4xx other than 429); a server-sent event stream has sent
 *   its first bytes already (`body` replays them), so nothing has gone to the client yet either way;
 * - `failed`: 429/5xx after the retries (the last answer, read in full);
 * - `unreachable`: no connection after the retries, or a stream that broke before its first byte.
 */
export type Attempt =
  | { kind: 'answer'; target: LlmTarget; response: Response; stream: Readable | undefined }
  | { kind: 'failed'; target: LlmTarget; answer: BufferedAnswer; attempts: number }
  | { kind: 'unreachable'; target: LlmTarget; error: GatewayError };

/** True for a server-sent event stream. */
export function isEventStream(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').includes('text/event-stream');
}

/**
 * A Node stream of the rest of `reader` after `first` (the chunk already read). Destroying it cancels
 * the upstream body.
 */
function replay(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>): Readable {
  let sentFirst = false;
  return new Readable({
    read() {
      if (!sentFirst) {
        sentFirst = true;
        this.push(first);
        return;
      }
      reader.read().then(
        ({ done, value }) => this.push(done ? null : value),
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      reader.cancel(error ?? undefined).catch(() => {});
      callback(error);
    },
  });
}

/**
 * Sends one request to `target` ({@link callUpstream}: retries 429/5xx and connection failures). A
 * successful event stream is read up to its first chunk before this resolves, so a stream that breaks
 * before any byte can still fall back.
 * @throws the abort error when the client went away.
 */
export async function attemptTarget(
  target: LlmTarget,
  request: UpstreamRequest,
  retry: LlmRetryOptions | undefined,
  onRetry: RetryObserver,
): Promise<Attempt> {
  let outcome: Awaited<ReturnType<typeof callUpstream>>;
  try {
    outcome = await callUpstream(request, target.provider, retry, onRetry);
  } catch (error) {
    if (request.signal.aborted || !GatewayError.isInstance(error)) throw error;
    return { kind: 'unreachable', target, error };
  }
  if (outcome.kind === 'failed') {
    return { kind: 'failed', target, answer: outcome.answer, attempts: outcome.attempts };
  }
  const { response } = outcome;
  if (!response.ok || !response.body || !isEventStream(response)) {
    return { kind: 'answer', target, response, stream: undefined };
  }
  const reader = response.body.getReader();
  try {
    const first = await reader.read();
    const stream = first.done ? Readable.from([]) : replay(first.value, reader);
    return { kind: 'answer', target, response, stream };
  } catch (error) {
    if (request.signal.aborted) throw error;
    return {
      kind: 'unreachable',
      target,
      error: new GatewayError(
        'unavailable',
        `provider ${target.provider} broke its stream before the first byte (${messageOf(error)}); retry later`,
        { cause: error },
      ),
    };
  }
}
