import type { ServerResponse } from 'node:http';

/** How often an open event stream sends a `: ping` comment line, ms (keeps proxies from closing it). */
export const EVENT_STREAM_PING_MS = 15_000;

/** An open Server-Sent Events response (see {@link openEventStream}). */
export interface EventStream {
  /** Writes `event: <event>` with `data` as one JSON line; nothing once the response has ended. */
  send(event: string, data: unknown): void;
  /** Aborted when the client goes (the response closes). */
  readonly gone: AbortSignal;
  /** Stops the pings and ends the response. Idempotent. */
  end(): void;
}

/**
 * Starts a Server-Sent Events answer on a hijacked `response`: status 200 with `text/event-stream` (no
 * caching, no proxy buffering) and a `: ping` comment every {@link EVENT_STREAM_PING_MS} ms until
 * {@link EventStream.end}.
 */
export function openEventStream(response: ServerResponse): EventStream {
  const gone = new AbortController();
  response.once('close', () => gone.abort());
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const ping = setInterval(() => {
    if (!response.writableEnded) response.write(': ping\n\n');
  }, EVENT_STREAM_PING_MS);
  ping.unref();
  return {
    send(event, data) {
      if (!response.writableEnded)
        response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    gone: gone.signal,
    end() {
      clearInterval(ping);
      if (!response.writableEnded) response.end();
    },
  };
}
