import { useEffect, useState } from 'preact/hooks';
import type { CursorPage, DebugEvent, LogLine } from '../api.js';
import { Json } from '../content.js';
import { ErrorNote } from '../error-note.js';
import { mergeLogs } from '../trace-data.js';
import { WindowedList } from '../windowed-list.js';

/** A cursor-paged list read a page at a time (the next on demand). */
function usePaged<T>(key: string, read: (cursor: string | null) => Promise<CursorPage<T>>) {
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const more = async (from: string | null, reset: boolean) => {
    try {
      const page = await read(from);
      setItems((old) => (reset ? page.items : [...old, ...page.items]));
      setCursor(page.next_cursor);
      setLoaded(true);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    more(null, true);
  }, [key]);
  return { items, cursor, loaded, error, loadMore: () => more(cursor, false) };
}

const LOG_ROW = 18;

/** The LOGS tab: the run's environment/container/agent output, stderr in red, windowed. */
export function LogsTab(props: {
  read: (cursor: string | null) => Promise<CursorPage<LogLine>>;
  id: string;
  live: readonly LogLine[];
}) {
  const logs = usePaged(`logs:${props.id}`, props.read);
  if (logs.error) return <ErrorNote error={logs.error} />;
  if (!logs.loaded) return <p class="loading">Loading logs…</p>;
  const lines = mergeLogs(logs.items, props.live);
  if (lines.length === 0) return <p class="empty">No output was recorded for this run.</p>;
  return (
    <div class="logs">
      <p class="count">
        {lines.length.toLocaleString('en')} {lines.length === 1 ? 'line' : 'lines'}
        {logs.cursor ? ' so far' : ''}
      </p>
      <WindowedList
        items={lines}
        rowHeight={LOG_ROW}
        render={(line) => (
          <div class={`log-line stream-${line.stream}`} title={`${line.time} ${line.line}`}>
            <span class="log-time">{line.time.slice(11, 23)}</span>
            <span class="log-source">{line.source}</span>
            <span class="log-text">{line.line}</span>
          </div>
        )}
      />
      {logs.cursor ? (
        <button type="button" onClick={logs.loadMore}>
          Load more lines
        </button>
      ) : null}
    </div>
  );
}

/** The DEBUG tab: runtime, worker, gateway and orchestrator events with their phase and level. */
export function DebugTab(props: {
  read: (cursor: string | null) => Promise<CursorPage<DebugEvent>>;
  id: string;
}) {
  const events = usePaged(`events:${props.id}`, props.read);
  if (events.error) return <ErrorNote error={events.error} />;
  if (!events.loaded) return <p class="loading">Loading events…</p>;
  if (events.items.length === 0) return <p class="empty">No debug events for this run.</p>;
  return (
    <div class="debug">
      <table class="events">
        <thead>
          <tr>
            <th>time</th>
            <th>source</th>
            <th>phase</th>
            <th>level</th>
            <th>message</th>
          </tr>
        </thead>
        <tbody>
          {events.items.map((event, index) => (
            <tr key={index} class={`level-${event.level}`} data-phase={event.phase}>
              <td class="log-time">{event.time.slice(11, 23)}</td>
              <td>{event.source}</td>
              <td class="phase">{event.phase}</td>
              <td class="level">{event.level}</td>
              <td>
                {event.message}
                {event.data && Object.keys(event.data).length > 0 ? (
                  <details>
                    <summary>data</summary>
                    <Json value={event.data} />
                  </details>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.cursor ? (
        <button type="button" onClick={events.loadMore}>
          Load more events
        </button>
      ) : null}
    </div>
  );
}
