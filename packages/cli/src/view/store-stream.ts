import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobState, type RunRecord } from '@hud/eval';
import type { JobSnapshot, StoreApi } from './store-api.js';

// Server-Sent Events over a local job store, in the gateway's shapes (apps/gateway/src/routes/
// rollout-submit-stream.ts and trace-stream.ts): the store's files are read again every `pollMs` (a job
// writes `runs.jsonl` as runs end and its trace files at least once a second), so any process's job shows.

/** A comment line this often keeps the connection from looking idle. */
const PING_MS = 15_000;

/** Trace tallies of a job stream, by status. */
export interface StreamCounts {
  queued: number;
  running: number;
  completed: number;
  error: number;
  cancelled: number;
}

/** One trace of a job stream's `snapshot` and `trace` events. */
export interface StreamTrace {
  trace_id: string;
  status: string;
  reward: number | null;
  error: string | null;
  slug: string | null;
  group_id: string | null;
  /** The run's 0-based place in its group (the gateway sends the hosted attempt here); null in progress. */
  attempt: number | null;
}

/** An open event stream: `send` writes one event, `done` ends it. */
interface EventStream {
  send(event: string, data: unknown): void;
  done(): void;
}

/** Starts Server-Sent Events on `response`, with `: ping` comments every 15 s until `done()`. */
function openStream(response: ServerResponse): EventStream {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const ping = setInterval(() => {
    if (!response.writableEnded) response.write(': ping\n\n');
  }, PING_MS);
  ping.unref();
  return {
    send: (event, data) => {
      if (!response.writableEnded)
        response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    done: () => {
      clearInterval(ping);
      if (!response.writableEnded) response.end();
    },
  };
}

function streamTraces(snapshot: JobSnapshot): StreamTrace[] {
  const done = snapshot.runs.map(
    (run: RunRecord): StreamTrace => ({
      trace_id: run.trace_id,
      status: run.status,
      reward: run.reward,
      error: run.error,
      slug: run.slug,
      group_id: run.group_id,
      attempt: run.group_index,
    }),
  );
  const running = snapshot.running.map(
    (id): StreamTrace => ({
      trace_id: id,
      status: 'running',
      reward: null,
      error: null,
      slug: null,
      group_id: null,
      attempt: null,
    }),
  );
  return [...done, ...running];
}

function counts(traces: readonly StreamTrace[]): StreamCounts {
  const tally: StreamCounts = { queued: 0, running: 0, completed: 0, error: 0, cancelled: 0 };
  for (const trace of traces) {
    if (trace.status in tally) tally[trace.status as keyof StreamCounts]++;
  }
  return tally;
}

/**
 * `GET /v2/jobs/{id}/stream` over a local store: `snapshot` `{job_id, total, counts, traces}` first, a
 * `trace` event for each trace that appears or changes status, and `end` `{job_id, counts}` once the job
 * is no longer running (completed, cancelled, or its process gone), then the stream closes. It also ends
 * when `signal` aborts (the client left or the server closes).
 */
export async function streamStoreJob(input: {
  api: StoreApi;
  jobId: string;
  response: ServerResponse;
  signal: AbortSignal;
  pollMs: number;
}): Promise<void> {
  const { api, jobId, signal } = input;
  const stream = openStream(input.response);
  try {
    let snapshot = await api.snapshot(jobId);
    const sent = new Map(streamTraces(snapshot).map((trace) => [trace.trace_id, trace]));
    const first = [...sent.values()];
    stream.send('snapshot', {
      job_id: jobId,
      total: first.length,
      counts: counts(first),
      traces: first.map(({ attempt: _attempt, ...trace }) => trace),
    });
    while (!signal.aborted) {
      if (jobState(snapshot.meta) !== 'running') {
        stream.send('end', { job_id: jobId, counts: counts([...sent.values()]) });
        break;
      }
      await sleep(input.pollMs, undefined, { signal }).catch(() => {});
      if (signal.aborted) break;
      snapshot = await api.snapshot(jobId);
      for (const trace of streamTraces(snapshot)) {
        const before = sent.get(trace.trace_id);
        if (before?.status === trace.status && before.reward === trace.reward) continue;
        sent.set(trace.trace_id, trace);
        stream.send('trace', trace);
      }
    }
  } finally {
    stream.done();
  }
}

/**
 * `GET /v2/trace/{id}/stream` over a local store: `trace` (the trace record) first and whenever it
 * changes; `spans` `{items}` with the spans not sent yet; `logs` `{items}` with the new log lines; `end`
 * `{trace_id}` once the run is recorded and everything was sent, then the stream closes.
 */
export async function streamStoreTrace(input: {
  api: StoreApi;
  traceId: string;
  response: ServerResponse;
  signal: AbortSignal;
  pollMs: number;
}): Promise<void> {
  const { api, traceId, signal } = input;
  const stream = openStream(input.response);
  try {
    const sentSpans = new Set<string>();
    let sentLogs = 0;
    let lastTrace = '';
    while (!signal.aborted) {
      const trace = await api.trace(traceId);
      const text = JSON.stringify(trace);
      if (text !== lastTrace) {
        lastTrace = text;
        stream.send('trace', trace);
      }
      const spans = (await api.allSpans(traceId)).filter((span) => !sentSpans.has(span.span_id));
      for (const span of spans) sentSpans.add(span.span_id);
      if (spans.length > 0) stream.send('spans', { items: spans });
      const logs = await api.side(traceId, 'logs', Number.MAX_SAFE_INTEGER, String(sentLogs));
      sentLogs += logs.items.length;
      if (logs.items.length > 0) stream.send('logs', { items: logs.items });
      if (trace.status !== 'running') {
        stream.send('end', { trace_id: traceId });
        break;
      }
      await sleep(input.pollMs, undefined, { signal }).catch(() => {});
    }
  } finally {
    stream.done();
  }
}
