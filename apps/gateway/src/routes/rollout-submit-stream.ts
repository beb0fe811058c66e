import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { messageOf } from '../errors.js';
import { openEventStream } from '../http/event-stream.js';
import type { ProgressRow, RolloutQueueStore, TraceChange } from '../store/areas/rollout-queue.js';
import type { RolloutHub } from './workers-hub.js';

/** Trace tallies of a job stream, by status. */
export interface StreamCounts {
  queued: number;
  running: number;
  completed: number;
  error: number;
  cancelled: number;
}

/** One trace in a `snapshot` event and each `trace` event: its progress row without the time. */
export type StreamTrace = Omit<ProgressRow, 'updated_at'>;

const TERMINAL = new Set(['completed', 'error', 'cancelled']);
/** A comment line this often keeps proxies from closing an idle stream. */
/**
 * Each poll re-reads traces updated this long before the newest change seen, so a change committed late
 * (a transaction that began earlier, another gateway's clock) is not missed; repeats are not re-sent.
 */
const OVERLAP_MS = 10_000;

function counts(traces: Iterable<StreamTrace>): StreamCounts {
  const tally: StreamCounts = { queued: 0, running: 0, completed: 0, error: 0, cancelled: 0 };
  for (const trace of traces) {
    if (trace.status in tally) tally[trace.status as keyof StreamCounts]++;
  }
  return tally;
}

function toTrace(row: ProgressRow): StreamTrace {
  return {
    trace_id: row.trace_id,
    status: row.status,
    reward: row.reward,
    error: row.error,
    slug: row.slug,
    group_id: row.group_id,
    attempt: row.attempt,
  };
}

/** A trace as last sent, with the time of the change it shows. */
type Tracked = StreamTrace & { at: string };

const shown = ({ at: _at, ...trace }: Tracked): StreamTrace => trace;

/**
 * `GET /v2/jobs/{id}/stream` on a hijacked response: Server-Sent Events of one job read from the
 * database (so rollouts run through any gateway on it show):
 * - `snapshot` `{job_id, total, counts: {queued, running, completed, error, cancelled}, traces: [{trace_id,
 *   status, reward, error, slug, group_id}]}` first;
 * - `trace` `{trace_id, status, reward, error, slug, group_id, attempt}` on each status (or attempt) change:
 *   every change made through this gateway (published by the routes), and what the database shows of
 *   other gateways' work on each poll (changes there within one poll may fold into one event);
 * - `end` `{job_id, counts}` once the job has traces and every one is terminal, then the stream closes.
 * `: ping` comment lines every 15 s. The stream also ends when the client goes or the gateway closes.
 */
export async function streamJob(input: {
  queue: RolloutQueueStore;
  hub: RolloutHub;
  teamId: string;
  jobId: string;
  response: ServerResponse;
  log: FastifyBaseLogger;
}): Promise<void> {
  const { queue, hub, teamId, jobId, response } = input;
  const stream = openEventStream(response);
  const { send, gone } = stream;
  const pending: TraceChange[] = [];
  const unsubscribe = hub.onJobChange(teamId, jobId, (change) => pending.push(change));
  try {
    const state = new Map<string, Tracked>();
    let newest = '';
    /** Keeps `next` unless a newer change was shown; sends it when its status or attempt changed. */
    const apply = (next: Tracked, quiet = false) => {
      if (next.at > newest) newest = next.at;
      const previous = state.get(next.trace_id);
      if (previous && next.at < previous.at) return;
      state.set(next.trace_id, next);
      if (!quiet && (previous?.status !== next.status || previous.attempt !== next.attempt)) {
        send('trace', shown(next));
      }
    };
    const fromRow = (row: ProgressRow): Tracked => ({ ...toTrace(row), at: row.updated_at });
    for (const row of await queue.jobProgress(teamId, jobId)) apply(fromRow(row), true);
    const traces = [...state.values()].map(shown);
    send('snapshot', {
      job_id: jobId,
      total: traces.length,
      counts: counts(traces),
      traces: traces.map(({ attempt: _attempt, ...trace }) => trace),
    });
    while (!gone.aborted && !hub.closing.aborted) {
      const all = [...state.values()];
      if (all.length > 0 && all.every((trace) => TERMINAL.has(trace.status))) {
        send('end', { job_id: jobId, counts: counts(all) });
        break;
      }
      if (pending.length === 0) await hub.waitForJob(teamId, jobId, hub.pollMs, gone);
      if (gone.aborted || hub.closing.aborted) break;
      for (const change of pending.splice(0)) {
        const known = state.get(change.traceId);
        // A trace not seen yet (just submitted) comes with the next read, slug and group included.
        if (known) {
          const { status, attempt, reward, error, at } = change;
          apply({ ...known, status, attempt, reward, error, at });
        }
      }
      const since = newest ? new Date(Date.parse(newest) - OVERLAP_MS).toISOString() : '';
      for (const row of await queue.jobProgress(teamId, jobId, since)) apply(fromRow(row));
    }
  } catch (error) {
    // Headers are sent: the stream just ends (the client reconnects or reads the job).
    if (!hub.closing.aborted)
      input.log.warn({ err: error }, `job stream ended: ${messageOf(error)}`);
  } finally {
    unsubscribe();
    stream.end();
  }
}
