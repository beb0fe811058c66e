import { nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';

/** One validated span to store: its id, name and start time indexed, the whole span as JSON text. */
export interface SpanRow {
  span_id: string;
  name: string;
  /** ISO-8601 start time as sent (hud-python: `datetime.isoformat()`, microseconds, `Z` or `+00:00`). */
  start_time: string;
  /** The span as received (after validation), JSON. */
  body: string;
}

/** Span storage per task run (trace). */
export interface TelemetryStore {
  /**
   * Stores a batch of spans of one trace in one transaction, creating the trace's row when it has none
   * (spans may arrive before the trace's `enter`). Spans already stored (same trace and `span_id`) are
   * skipped, so a client may re-send a batch it got no answer for. Returns how many were new.
   */
  ingestSpans(input: { teamId: string; traceId: string; spans: readonly SpanRow[] }): Promise<{
    inserted: number;
  }>;
  /**
   * A trace's spans in order (start time, then arrival order), `limit` at a time; `after` is the
   * `next` of the previous page (null on the last page).
   */
  listSpans(input: {
    teamId: string;
    traceId: string;
    limit: number;
    after?: string;
  }): Promise<{ spans: unknown[]; next: string | null }>;
}

/**
 * `2026-01-02T03:04:05.123456Z` for any ISO-8601 time (offsets folded into UTC, sub-milliseconds kept):
 * equal-width text that sorts in time order whatever form the client sent.
 */
export function sortableTime(iso: string): string {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) return iso;
  const micros = (/\.\d{3}(\d{1,3})/.exec(iso)?.[1] ?? '').padEnd(3, '0');
  return new Date(millis).toISOString().replace('Z', `${micros}Z`);
}

/** The SQL implementation of {@link TelemetryStore}. */
export class SqlTelemetryStore implements TelemetryStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async ingestSpans(input: {
    teamId: string;
    traceId: string;
    spans: readonly SpanRow[];
  }): Promise<{ inserted: number }> {
    const now = nowIso();
    return this.#sql.tx(async (tx) => {
      // Touching the trace row first takes its lock (PostgreSQL): batches of one trace queue here instead
      // of deadlocking on each other's span keys and the span count below.
      await tx.run(
        `INSERT INTO traces (team_id, id, status, created_at, updated_at) VALUES ($1, $2, 'running', $3, $3)
          ON CONFLICT (team_id, id) DO UPDATE SET updated_at = excluded.updated_at`,
        [input.teamId, input.traceId, now],
      );
      const inserted = await tx.insertMany(
        'spans',
        ['team_id', 'trace_id', 'span_id', 'name', 'start_time', 'sort_key', 'body', 'received_at'],
        input.spans.map((span, index) => {
          const start = sortableTime(span.start_time);
          // Equal start times keep the order they arrived in (batch time, then place in the batch).
          const sortKey = `${start}|${now}|${String(index).padStart(6, '0')}|${span.span_id}`;
          return [
            input.teamId,
            input.traceId,
            span.span_id,
            span.name,
            start,
            sortKey,
            span.body,
            now,
          ];
        }),
        'ON CONFLICT (team_id, trace_id, span_id) DO NOTHING',
      );
      if (inserted > 0) {
        await tx.run(
          'UPDATE traces SET span_count = span_count + $3 WHERE team_id = $1 AND id = $2',
          [input.teamId, input.traceId, inserted],
        );
      }
      return { inserted };
    });
  }

  async listSpans(input: {
    teamId: string;
    traceId: string;
    limit: number;
    after?: string;
  }): Promise<{ spans: unknown[]; next: string | null }> {
    const rows = await this.#sql.all<{ sort_key: string; body: string }>(
      `SELECT sort_key, body FROM spans WHERE team_id = $1 AND trace_id = $2 AND sort_key > $3
        ORDER BY sort_key LIMIT $4`,
      [input.teamId, input.traceId, input.after ?? '', input.limit + 1],
    );
    const page = rows.slice(0, input.limit);
    return {
      spans: page.map((row) => JSON.parse(row.body) as unknown),
      next: rows.length > input.limit ? (page.at(-1)?.sort_key ?? null) : null,
    };
  }
}
