import { useEffect, useState } from 'preact/hooks';
import type { LogLine, Span, TraceSummary, ViewerApi } from './api.js';
import { openStream, type StreamState } from './sse.js';

/** `spans` then `more`, without a span seen twice (by `span_id`; a reconnected stream may resend). */
export function mergeSpans(spans: readonly Span[], more: readonly Span[]): readonly Span[] {
  if (more.length === 0) return spans;
  const ids = new Set(spans.map((span) => span.span_id));
  const fresh = more.filter((span) => {
    if (typeof span?.span_id !== 'string' || ids.has(span.span_id)) return false;
    ids.add(span.span_id);
    return true;
  });
  return fresh.length === 0 ? spans : [...spans, ...fresh];
}

/** What {@link useTrace} has. */
export interface TraceData {
  trace: TraceSummary | undefined;
  error: unknown;
  spans: readonly Span[];
  spansLoaded: boolean;
  spansError: unknown;
  /** Log lines that arrived on the live stream (the LOGS tab pages the rest). */
  liveLogs: readonly LogLine[];
  stream: StreamState | null;
}

const LIVE = new Set(['queued', 'running']);

/**
 * A trace and its spans; while it is queued or running, kept up to date from `GET /v2/trace/{id}/stream`
 * (`trace` replaces the summary, `spans` and `logs` append, `end` stops).
 */
export function useTrace(api: ViewerApi, id: string): TraceData {
  const [trace, setTrace] = useState<TraceSummary | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [spans, setSpans] = useState<readonly Span[]>([]);
  const [spansLoaded, setSpansLoaded] = useState(false);
  const [spansError, setSpansError] = useState<unknown>(undefined);
  const [liveLogs, setLiveLogs] = useState<readonly LogLine[]>([]);
  const [stream, setStream] = useState<StreamState | null>(null);
  const [live, setLive] = useState(false);

  useEffect(() => {
    let current = true;
    api.trace(id).then(
      (value) => {
        if (!current) return;
        setTrace(value);
        setLive(LIVE.has(value.status));
      },
      (failure: unknown) => current && setError(failure),
    );
    api.traceSpans(id).then(
      (value) => {
        if (!current) return;
        setSpans((old) => mergeSpans(value, old));
        setSpansLoaded(true);
      },
      (failure: unknown) => current && setSpansError(failure),
    );
    return () => {
      current = false;
    };
  }, [id]);

  useEffect(() => {
    if (!live) return;
    const handle = openStream({
      target: api.stream(`/v2/trace/${encodeURIComponent(id)}/stream`),
      onEvent(event, data) {
        const record = (data ?? {}) as Record<string, unknown>;
        if (event === 'trace' && typeof record.id === 'string')
          setTrace(record as unknown as TraceSummary);
        else if (event === 'spans' && Array.isArray(record.items)) {
          setSpans((old) => mergeSpans(old, record.items as Span[]));
        } else if (event === 'logs' && Array.isArray(record.items)) {
          setLiveLogs((old) => [...old, ...(record.items as LogLine[])]);
        }
      },
      onState: setStream,
    });
    return () => handle.close();
  }, [id, live]);

  return { trace, error, spans, spansLoaded, spansError, liveLogs, stream };
}

/**
 * The paged log lines followed by those that came on the live stream and are not among them (the same
 * line can arrive both ways when the page was read after the stream began; equal lines count as a
 * multiset, so a line printed twice stays twice).
 */
export function mergeLogs(paged: readonly LogLine[], live: readonly LogLine[]): readonly LogLine[] {
  if (live.length === 0) return paged;
  const key = (line: LogLine) =>
    `${line.time}\u0000${line.source}\u0000${line.stream}\u0000${line.line}`;
  const counts = new Map<string, number>();
  for (const line of paged) counts.set(key(line), (counts.get(key(line)) ?? 0) + 1);
  const fresh = live.filter((line) => {
    const left = counts.get(key(line)) ?? 0;
    if (left === 0) return true;
    counts.set(key(line), left - 1);
    return false;
  });
  return fresh.length === 0 ? paged : [...paged, ...fresh];
}
