/**
 * Following a hosted job live: `GET /v2/jobs/{id}/stream` (Server-Sent Events, hud-ts's gateway route; see
 * the hosted rollouts contract): a `snapshot` event `{job_id, total, counts, traces: [...]}`, a `trace` event
 * per status change, an `end` event `{job_id, counts}` once every rollout is terminal. Parsed with
 * `eventsource-parser`; a dropped stream (the gateway restarting, the network) is reopened with backoff
 * and starts again from a fresh snapshot.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import { PlatformError } from './client.js';

/** A trace's state on the stream. */
export const StreamTrace = z.looseObject({
  trace_id: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'error', 'cancelled']),
  reward: z.number().nullish(),
  error: z.string().nullish(),
  slug: z.string().nullish(),
  group_id: z.string().nullish(),
  attempt: z.number().nullish(),
});
/** See {@link StreamTrace}. */
export type StreamTrace = z.infer<typeof StreamTrace>;

const Counts = z.record(z.string(), z.number());

/** The `snapshot` event. */
export const StreamSnapshot = z.looseObject({
  job_id: z.string(),
  total: z.number(),
  counts: Counts.optional(),
  traces: z.array(StreamTrace),
});
/** See {@link StreamSnapshot}. */
export type StreamSnapshot = z.infer<typeof StreamSnapshot>;

/** What {@link followJobStream} reports. */
export interface JobStreamHandlers {
  /** The job's state at (re)connection: every trace. */
  onSnapshot(snapshot: StreamSnapshot): void;
  /** One trace changed status. */
  onTrace(trace: StreamTrace): void;
  /** The stream could not be read and is being reopened (one call per outage), or reads again (undefined). */
  onTrouble?(error: Error | undefined): void;
}

/** Where and how to open the stream. */
export interface JobStreamOptions {
  /** The API base URL (`HUD_API_URL`). */
  apiUrl: string;
  /** `HUD_API_KEY`; never part of a message. */
  apiKey: string;
  jobId: string;
  /** Stops following (resolves `aborted`). */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Terminal trace statuses. */
export const TERMINAL = new Set(['completed', 'error', 'cancelled']);

/** A stream that ended without `end`: reopened. */
class StreamDropped extends Error {}

/**
 * Follows job `jobId` until its `end` event (`ended`) or `signal` (`aborted`), reopening a dropped stream
 * with backoff (250 ms doubling to 5 s) for as long as the gateway is unreachable or answers 5xx.
 * @throws PlatformError `not_found` (no such job for this key), `unauthorized`, `rejected` for another 4xx.
 */
export async function followJobStream(
  options: JobStreamOptions,
  handlers: JobStreamHandlers,
): Promise<'ended' | 'aborted'> {
  const url = `${options.apiUrl}/v2/jobs/${encodeURIComponent(options.jobId)}/stream`;
  const doFetch = options.fetch ?? fetch;
  let troubled = false;
  const once = async (): Promise<'ended'> => {
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { authorization: `Bearer ${options.apiKey}`, accept: 'text/event-stream' },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (cause) {
      throw new StreamDropped(`GET ${url} failed: ${(cause as Error).message}`, { cause });
    }
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300);
      const status = response.status;
      if (status >= 500) throw new StreamDropped(`GET ${url} answered ${status}: ${text}`);
      const code =
        status === 404
          ? 'not_found'
          : status === 401
            ? 'unauthorized'
            : status === 403
              ? 'forbidden'
              : 'rejected';
      throw new AbortError(
        new PlatformError(code, `GET ${url} answered ${status}: ${text}`, { status }),
      );
    }
    if (!response.body) throw new StreamDropped(`GET ${url} answered without a body`);
    const events = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    try {
      for await (const event of events) {
        if (troubled) {
          troubled = false;
          handlers.onTrouble?.(undefined);
        }
        const data = parseData(event.data);
        if (event.event === 'snapshot') handlers.onSnapshot(StreamSnapshot.parse(data));
        else if (event.event === 'trace') handlers.onTrace(StreamTrace.parse(data));
        else if (event.event === 'end') return 'ended';
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof z.ZodError) {
        throw new AbortError(
          new PlatformError('bad_response', `GET ${url} sent an event this CLI cannot read`, {
            cause: error,
          }),
        );
      }
      throw new StreamDropped(
        `the stream of job ${options.jobId} broke: ${(error as Error).message}`,
      );
    }
    throw new StreamDropped(`the stream of job ${options.jobId} closed before its end`);
  };
  try {
    return await pRetry(once, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 250,
      maxTimeout: 5_000,
      ...(options.signal ? { signal: options.signal } : {}),
      shouldRetry: ({ error }) => error instanceof StreamDropped,
      onFailedAttempt: ({ error }) => {
        if (!(error instanceof StreamDropped) || troubled) return;
        troubled = true;
        handlers.onTrouble?.(error);
      },
    });
  } catch (error) {
    if (options.signal?.aborted) return 'aborted';
    throw error;
  }
}

function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
