// Server-Sent Events over fetch: the browser's EventSource cannot send an Authorization header, and the
// gateway wants the key as a Bearer token (never in a URL, where it would land in logs and history). The
// body is read as a stream and cut into events by eventsource-parser.
import { createParser } from 'eventsource-parser';
import type { StreamTarget } from './api.js';

/** Where a stream is: connecting, receiving, waiting to reconnect, finished (`end`), or given up. */
export type StreamState = 'connecting' | 'open' | 'retrying' | 'ended' | 'failed';

/** Options of {@link openStream}. */
export interface StreamOptions {
  /** The route, headers and fetch (`ViewerApi.stream(path)`). */
  target: StreamTarget;
  /** Each event: its name (`message` when unnamed) and its `data` parsed as JSON (the raw text if not). */
  onEvent(event: string, data: unknown): void;
  /** Each change of state; `detail` says why for `retrying` and `failed`. */
  onState?(state: StreamState, detail?: string): void;
  /** First wait before reconnecting, ms (default 1 000; doubled per failed try up to `maxRetryMs`). */
  retryMs?: number;
  /** Longest wait between tries, ms (default 30 000). */
  maxRetryMs?: number;
  /** Tries in a row without one event before giving up (default 8). */
  maxTries?: number;
}

/** A running stream: `close()` stops it (no more events or states); `done` settles when it stops. */
export interface StreamHandle {
  close(): void;
  done: Promise<void>;
}

/** HTTP statuses that another try cannot fix: stop instead of reconnecting. */
const FINAL_STATUSES = new Set([400, 401, 403, 404, 405, 410]);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Reads the event stream at `options.target` until an `end` event, a final HTTP status (4xx but 408/429),
 * `maxTries` failed tries in a row, or `close()`. A dropped connection or a 5xx is retried politely: after
 * `retryMs` (or the server's `retry:` field), doubling up to `maxRetryMs`; the `Last-Event-ID` header
 * carries the last event id seen. Comments (`: ping`) are ignored.
 */
export function openStream(options: StreamOptions): StreamHandle {
  const controller = new AbortController();
  const { signal } = controller;
  const firstWait = options.retryMs ?? 1_000;
  const maxWait = options.maxRetryMs ?? 30_000;
  const maxTries = options.maxTries ?? 8;
  const state = (value: StreamState, detail?: string) => {
    if (!signal.aborted) options.onState?.(value, detail);
  };
  let serverWait: number | undefined;
  let lastId: string | undefined;
  let ended = false;

  /** One connection; resolves with whether any event arrived. Throws a final error to stop. */
  async function connect(): Promise<boolean> {
    const headers = { ...options.target.headers };
    if (lastId !== undefined) headers['last-event-id'] = lastId;
    const response = await options.target.fetch(options.target.url, { headers, signal });
    if (!response.ok || !response.body) {
      const detail = `HTTP ${response.status}`;
      await response.body?.cancel().catch(() => undefined);
      if (FINAL_STATUSES.has(response.status)) throw new FinalError(detail);
      throw new Error(detail);
    }
    state('open');
    let received = false;
    const parser = createParser({
      onEvent(message) {
        if (message.id !== undefined) lastId = message.id;
        received = true;
        let data: unknown = message.data;
        try {
          data = JSON.parse(message.data);
        } catch {
          // not JSON: hand over the text
        }
        if (signal.aborted) return;
        options.onEvent(message.event ?? 'message', data);
        if (message.event === 'end') ended = true;
      },
      onRetry(ms) {
        serverWait = ms;
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      while (!ended) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    return received;
  }

  async function run(): Promise<void> {
    let wait = firstWait;
    let failures = 0;
    while (!signal.aborted && !ended) {
      state('connecting');
      let detail = 'the connection closed';
      try {
        if (await connect()) {
          failures = 0;
          wait = firstWait;
        } else failures++;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof FinalError) {
          state('failed', error.message);
          return;
        }
        failures++;
        detail = error instanceof Error ? error.message : String(error);
      }
      if (ended) break;
      if (failures >= maxTries) {
        state('failed', `${detail} (${failures} tries)`);
        return;
      }
      state('retrying', detail);
      await sleep(serverWait ?? wait, signal);
      wait = Math.min(maxWait, wait * 2);
    }
    if (ended) state('ended');
  }

  const done = run().catch((error: unknown) => {
    state('failed', error instanceof Error ? error.message : String(error));
  });
  return {
    close() {
      controller.abort();
    },
    done,
  };
}

class FinalError extends Error {}
