import { createHash } from 'node:crypto';
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

/** What a trace line is: a line of the environment's output (LOGS) or a debug event (DEBUG). */
export type TraceLineKind = 'log' | 'event';

/** One trace line to store: its time (ISO-8601) and the whole line as JSON text. */
export interface TraceLineRow {
  time: string;
  body: string;
}

/** What the queue knows of a hosted rollout (its DEBUG events come from it). */
export interface RolloutState {
  /** `queued` | `leased` | `done`. */
  status: string;
  attempt: number;
  max_attempts: number;
  queued_at: string;
  /** The worker holding the current lease (its name, else its id), if leased. */
  lease_worker_name: string | null;
  /** Why the last attempt was re-queued, if it was. */
  last_error: string | null;
  created_at: string;
  updated_at: string;
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
  /**
   * The spans of a trace received at or after `since` (ISO time; '' for all), in order, at most `limit`
   * (a live stream's read: a late span with an early start time still shows).
   */
  spansReceivedSince(input: {
    teamId: string;
    traceId: string;
    since: string;
    limit: number;
  }): Promise<{ spans: unknown[]; received: string[] }>;
  /** The rollout-queue state of a hosted rollout's trace (undefined for a trace run outside the queue). */
  rolloutState(teamId: string, traceId: string): Promise<RolloutState | undefined>;
  /**
   * Stores a batch of log lines or debug events of one trace (the trace's row is made when missing). Each
   * line's id is the hash of its text and its place among equal lines of the batch, so a re-sent batch
   * adds nothing. Returns how many were new.
   */
  ingestLines(input: {
    teamId: string;
    traceId: string;
    kind: TraceLineKind;
    lines: readonly TraceLineRow[];
  }): Promise<{ inserted: number }>;
  /**
   * A trace's lines of `kind` in time order (then arrival), `limit` at a time after cursor `after`; `next`
   * is the cursor of the next page (null on the last), `last` the cursor after the items returned.
   */
  listLines(input: {
    teamId: string;
    traceId: string;
    kind: TraceLineKind;
    limit: number;
    after?: string;
  }): Promise<{ items: unknown[]; next: string | null; last: string | null }>;
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

  async spansReceivedSince(input: {
    teamId: string;
    traceId: string;
    since: string;
    limit: number;
  }): Promise<{ spans: unknown[]; received: string[] }> {
    const rows = await this.#sql.all<{ body: string; received_at: string }>(
      `SELECT body, received_at FROM spans WHERE team_id = $1 AND trace_id = $2 AND received_at >= $3
        ORDER BY sort_key LIMIT $4`,
      [input.teamId, input.traceId, input.since, input.limit],
    );
    return {
      spans: rows.map((row) => JSON.parse(row.body) as unknown),
      received: rows.map((row) => row.received_at),
    };
  }

  async rolloutState(teamId: string, traceId: string): Promise<RolloutState | undefined> {
    const row = await this.#sql.get<RolloutState>(
      `SELECT status, attempt, max_attempts, queued_at, COALESCE(lease_worker_name, lease_owner)
          AS lease_worker_name, last_error, created_at, updated_at
        FROM rollout_queue WHERE team_id = $1 AND trace_id = $2`,
      [teamId, traceId],
    );
    return row
      ? { ...row, attempt: Number(row.attempt), max_attempts: Number(row.max_attempts) }
      : undefined;
  }

  async ingestLines(input: {
    teamId: string;
    traceId: string;
    kind: TraceLineKind;
    lines: readonly TraceLineRow[];
  }): Promise<{ inserted: number }> {
    if (input.lines.length === 0) return { inserted: 0 };
    const now = nowIso();
    const seen = new Map<string, number>();
    const rows = input.lines.map((line, index) => {
      const digest = createHash('sha256').update(line.body).digest('hex').slice(0, 32);
      const repeat = seen.get(digest) ?? 0;
      seen.set(digest, repeat + 1);
      const lineId = `${digest}-${repeat}`;
      const sortKey = `${sortableTime(line.time)}|${now}|${String(index).padStart(6, '0')}|${lineId}`;
      return [input.teamId, input.traceId, input.kind, lineId, sortKey, line.body];
    });
    return this.#sql.tx(async (tx) => {
      await tx.run(
        `INSERT INTO traces (team_id, id, status, created_at, updated_at) VALUES ($1, $2, 'running', $3, $3)
          ON CONFLICT (team_id, id) DO UPDATE SET updated_at = excluded.updated_at`,
        [input.teamId, input.traceId, now],
      );
      const inserted = await tx.insertMany(
        'trace_lines',
        ['team_id', 'trace_id', 'kind', 'line_id', 'sort_key', 'body'],
        rows,
        'ON CONFLICT (team_id, trace_id, kind, line_id) DO NOTHING',
      );
      return { inserted };
    });
  }

  async listLines(input: {
    teamId: string;
    traceId: string;
    kind: TraceLineKind;
    limit: number;
    after?: string;
  }): Promise<{ items: unknown[]; next: string | null; last: string | null }> {
    const rows = await this.#sql.all<{ sort_key: string; body: string }>(
      `SELECT sort_key, body FROM trace_lines WHERE team_id = $1 AND trace_id = $2 AND kind = $3
        AND sort_key > $4 ORDER BY sort_key LIMIT $5`,
      [input.teamId, input.traceId, input.kind, input.after ?? '', input.limit + 1],
    );
    const page = rows.slice(0, input.limit);
    return {
      items: page.map((row) => JSON.parse(row.body) as unknown),
      next: rows.length > input.limit ? (page.at(-1)?.sort_key ?? null) : null,
      last: page.at(-1)?.sort_key ?? null,
    };
  }
}
