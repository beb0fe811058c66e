import { useEffect, useRef, useState } from 'preact/hooks';
import type { TraceSummary, ViewerApi } from './api.js';
import { applyStreamTraces, type StreamTrace } from './live.js';
import { openStream, type StreamState } from './sse.js';

/** How often a live job is read again when its stream is not available, ms. */
const FALLBACK_POLL_MS = 5_000;

/** What {@link useJobRuns} has. */
export interface JobRuns {
  traces: readonly TraceSummary[];
  /** Every page has been read. */
  complete: boolean;
  error: unknown;
  /** The live stream's state; null when not streaming. */
  stream: StreamState | null;
}

/**
 * A job's runs, read page by page (`TRACE_PAGE_LIMIT` at a time, drawn as they arrive); with `live`, also
 * kept up to date from `GET /v2/jobs/{id}/stream` (snapshot, then one event per change). On the stream's
 * `end`, `onEnd` runs and every page is read again (the runs' full summaries). When the stream fails for
 * good (e.g. an older server without it), both happen every few seconds instead, until `live` is false.
 */
export function useJobRuns(
  api: ViewerApi,
  id: string | null,
  live: boolean,
  onEnd?: () => void,
): JobRuns {
  const [traces, setTraces] = useState<readonly TraceSummary[]>([]);
  const [complete, setComplete] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [stream, setStream] = useState<StreamState | null>(null);
  const [round, setRound] = useState(0);
  /** The latest stream event per run: applied on top of every page read (reads and events race). */
  const seen = useRef(new Map<string, StreamTrace>());
  /** A read of every page is on its way (a fallback poll waits for it rather than restart it). */
  const reading = useRef(false);

  useEffect(() => {
    if (id === null) return;
    let current = true;
    if (round === 0) {
      setTraces([]);
      setComplete(false);
    }
    setError(undefined);
    reading.current = true;
    const overlay = (sofar: readonly TraceSummary[]) =>
      applyStreamTraces(sofar, [...seen.current.values()], id);
    api
      // the first read draws page by page; a re-read swaps the list once it has every page
      .allJobTraces(id, (sofar) => current && round === 0 && setTraces(overlay([...sofar])))
      .then(
        (all) => {
          if (!current) return;
          reading.current = false;
          setTraces(overlay(all));
          setComplete(true);
        },
        (failure: unknown) => {
          if (!current) return;
          reading.current = false;
          setError(failure);
        },
      );
    return () => {
      current = false;
    };
  }, [id, round]);

  useEffect(() => {
    if (id === null || !live) return;
    const take = (events: unknown) => {
      if (!Array.isArray(events)) return;
      for (const event of events as StreamTrace[]) {
        if (typeof event?.trace_id === 'string') seen.current.set(event.trace_id, event);
      }
      setTraces((old) => applyStreamTraces(old, events as StreamTrace[], id));
    };
    const refresh = () => {
      onEnd?.();
      setRound((value) => value + 1);
    };
    let poll: ReturnType<typeof setInterval> | undefined;
    const handle = openStream({
      target: api.stream(`/v2/jobs/${encodeURIComponent(id)}/stream`),
      onEvent(event, data) {
        const record = (data ?? {}) as Record<string, unknown>;
        if (event === 'snapshot') take(record.traces);
        else if (event === 'trace') take([record]);
        else if (event === 'end') refresh();
      },
      onState(state) {
        setStream(state);
        // a server without the stream (or one that keeps failing): read everything again now and then
        if (state === 'failed' && poll === undefined) {
          poll = setInterval(() => reading.current || refresh(), FALLBACK_POLL_MS);
        }
      },
    });
    return () => {
      handle.close();
      clearInterval(poll);
      setStream(null);
    };
  }, [id, live]);

  return { traces, complete, error, stream };
}
