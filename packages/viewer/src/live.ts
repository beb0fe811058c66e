// Folding a job's live events (`GET /v2/jobs/{id}/stream`) into the list of its runs the page holds.
import type { TraceSummary } from './api.js';

/** A run as the job stream's `snapshot` and `trace` events carry it. */
export interface StreamTrace {
  trace_id: string;
  status: TraceSummary['status'];
  reward: number | null;
  error: string | null;
  slug: string | null;
  group_id: string | null;
  attempt?: number;
}

/** A trace summary for a run known only from the stream (the rest fills in on the next full load). */
function summaryOf(event: StreamTrace, jobId: string): TraceSummary {
  return {
    id: event.trace_id,
    job_id: jobId,
    group_id: event.group_id,
    task_slug: event.slug,
    model: null,
    status: event.status,
    reward: event.reward,
    error: event.error,
    evaluation_result: null,
    stop_reason: null,
    created_at: '',
    start_time: null,
    end_time: null,
    ...(typeof event.attempt === 'number' ? { group_index: event.attempt } : {}),
  };
}

/**
 * `traces` with the stream's runs applied: a known run (by id) takes the event's status, reward and error;
 * a new one is appended. Returns `traces` itself when nothing changed (so the page does not redraw).
 */
export function applyStreamTraces(
  traces: readonly TraceSummary[],
  events: readonly StreamTrace[],
  jobId: string,
): readonly TraceSummary[] {
  if (events.length === 0) return traces;
  const index = new Map(traces.map((trace, at) => [trace.id, at]));
  let next: TraceSummary[] | undefined;
  for (const event of events) {
    if (typeof event?.trace_id !== 'string') continue;
    const at = index.get(event.trace_id);
    const list = next ?? traces;
    if (at === undefined) {
      next ??= [...traces];
      index.set(event.trace_id, next.length);
      next.push(summaryOf(event, jobId));
      continue;
    }
    const known = list[at] as TraceSummary;
    if (
      known.status === event.status &&
      known.reward === event.reward &&
      known.error === event.error
    ) {
      continue;
    }
    next ??= [...traces];
    next[at] = { ...known, status: event.status, reward: event.reward, error: event.error };
  }
  return next ?? traces;
}
