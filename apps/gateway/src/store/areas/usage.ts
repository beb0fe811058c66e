import { newUuid, nowIso } from '../../ids.js';
import { flag, type Sql } from '../sql.js';

/** One LLM request answered through the gateway, as recorded. */
export interface UsageInput {
  teamId: string;
  keyId: string;
  /** The `Trace-Id` header (canonical form), or null when the client sent none. */
  traceId: string | null;
  /** The catalog model name the client asked for, and what was sent upstream. */
  model: string;
  upstreamModel: string;
  provider: string;
  /** The client API (`openai-chat`, `openai-responses`, `anthropic-messages`, `gemini`). */
  api: string;
  streamed: boolean;
  /** False when a stream ended early (upstream cut or client gone): tokens are what was seen. */
  complete: boolean;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  /** USD, from the model's price; null when the model has none. */
  costUsd: number | null;
}

/** Sums over a set of recorded requests (tokens and cost of requests that reported none count 0). */
export interface UsageTotals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  /** Requests of a model with no known price: their cost is not in `cost_usd` (unknown, not free). */
  unpriced_requests: number;
}

/**
 * LLM usage per request (`llm_usage`), linked to the `Trace-Id` trace and, through it, its job: the job is
 * taken from the trace when the request is recorded, and job totals also count requests recorded before
 * their trace was known.
 */
export interface UsageStore {
  /** Records one request. */
  recordUsage(input: UsageInput): Promise<void>;
  /** Totals of the requests of one trace. */
  traceUsage(teamId: string, traceId: string): Promise<UsageTotals>;
  /** Totals of the requests of one job's traces. */
  jobUsage(teamId: string, jobId: string): Promise<UsageTotals>;
  /** The requests of one trace, oldest first: which catalog model answered each, its tokens and cost. */
  traceRequests(teamId: string, traceId: string): Promise<UsageRequest[]>;
  /** What one HUD key has spent so far, over every request it made (its budgets are checked against it). */
  keySpend(keyId: string): Promise<KeySpend>;
  /** The usage one trace, or the traces of one job, reported at `exit`. */
  reportedUsage(
    teamId: string,
    of: { jobId: string } | { traceId: string },
  ): Promise<ReportedUsage>;
}

/**
 * Usage the traces reported themselves at `exit` (`metadata.usage`: `prompt_tokens`, `completion_tokens`,
 * `cached_tokens`, `cost_usd`), summed: what a run that called its model directly (not through this
 * gateway) spent.
 */
export interface ReportedUsage {
  /** Traces that reported usage. */
  traces: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  /** USD; null when no trace reported a cost. */
  cost_usd: number | null;
}

/** One recorded request as {@link UsageStore.traceRequests} lists it. */
export interface UsageRequest {
  /** The catalog model that answered (a fallback's name when the gateway fell back). */
  model: string;
  upstream_model: string;
  provider: string;
  api: string;
  streamed: boolean;
  complete: boolean;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  cost_usd: number | null;
  created_at: string;
}

/** What one key has spent: tokens (input + output) and USD at the catalog's prices (unpriced: 0). */
export interface KeySpend {
  requests: number;
  tokens: number;
  cost_usd: number;
}

interface TotalsRow {
  requests: number | string;
  input_tokens: number | string | null;
  output_tokens: number | string | null;
  cached_tokens: number | string | null;
  cost_usd: number | string | null;
  unpriced_requests: number | string | null;
}

const TOTALS = `CAST(count(*) AS INTEGER) AS requests,
  CAST(COALESCE(sum(input_tokens), 0) AS INTEGER) AS input_tokens,
  CAST(COALESCE(sum(output_tokens), 0) AS INTEGER) AS output_tokens,
  CAST(COALESCE(sum(cached_tokens), 0) AS INTEGER) AS cached_tokens,
  COALESCE(sum(cost_usd), 0) AS cost_usd,
  CAST(COALESCE(sum(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END), 0) AS INTEGER) AS unpriced_requests`;

function totals(row: TotalsRow | undefined): UsageTotals {
  return {
    requests: Number(row?.requests ?? 0),
    input_tokens: Number(row?.input_tokens ?? 0),
    output_tokens: Number(row?.output_tokens ?? 0),
    cached_tokens: Number(row?.cached_tokens ?? 0),
    cost_usd: Number(row?.cost_usd ?? 0),
    unpriced_requests: Number(row?.unpriced_requests ?? 0),
  };
}

/** The SQL implementation of {@link UsageStore}. */
export class SqlUsageStore implements UsageStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async recordUsage(input: UsageInput): Promise<void> {
    const trace =
      input.traceId === null
        ? undefined
        : await this.#sql.get<{ job_id: string | null }>(
            'SELECT job_id FROM traces WHERE team_id = $1 AND id = $2',
            [input.teamId, input.traceId],
          );
    await this.#sql.run(
      `INSERT INTO llm_usage (id, team_id, key_id, trace_id, job_id, model, upstream_model, provider, api,
          streamed, complete, input_tokens, output_tokens, cached_tokens, cost_usd, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        newUuid(),
        input.teamId,
        input.keyId,
        input.traceId,
        trace?.job_id ?? null,
        input.model,
        input.upstreamModel,
        input.provider,
        input.api,
        flag(input.streamed),
        flag(input.complete),
        input.inputTokens,
        input.outputTokens,
        input.cachedTokens,
        input.costUsd,
        nowIso(),
      ],
    );
  }

  async traceUsage(teamId: string, traceId: string): Promise<UsageTotals> {
    return totals(
      await this.#sql.get<TotalsRow>(
        `SELECT ${TOTALS} FROM llm_usage WHERE team_id = $1 AND trace_id = $2`,
        [teamId, traceId],
      ),
    );
  }

  async traceRequests(teamId: string, traceId: string): Promise<UsageRequest[]> {
    const rows = await this.#sql.all<
      Omit<UsageRequest, 'streamed' | 'complete'> & { streamed: number; complete: number }
    >(
      `SELECT model, upstream_model, provider, api, streamed, complete, input_tokens, output_tokens,
          cached_tokens, cost_usd, created_at FROM llm_usage WHERE team_id = $1 AND trace_id = $2
        ORDER BY created_at, id`,
      [teamId, traceId],
    );
    return rows.map((row) => ({
      ...row,
      streamed: Boolean(row.streamed),
      complete: Boolean(row.complete),
      cost_usd: row.cost_usd === null ? null : Number(row.cost_usd),
    }));
  }

  async keySpend(keyId: string): Promise<KeySpend> {
    const row = await this.#sql.get<{
      requests: number | string;
      tokens: number | string | null;
      cost_usd: number | string | null;
    }>(
      `SELECT count(*) AS requests, sum(COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0)) AS tokens,
          sum(cost_usd) AS cost_usd FROM llm_usage WHERE key_id = $1`,
      [keyId],
    );
    return {
      requests: Number(row?.requests ?? 0),
      tokens: Number(row?.tokens ?? 0),
      cost_usd: Number(row?.cost_usd ?? 0),
    };
  }

  async reportedUsage(
    teamId: string,
    of: { jobId: string } | { traceId: string },
  ): Promise<ReportedUsage> {
    const row = await this.#sql.get<{
      traces: number | string;
      input_tokens: number | string | null;
      output_tokens: number | string | null;
      cached_tokens: number | string | null;
      cost_usd: number | string | null;
    }>(
      `SELECT count(input_tokens) AS traces, sum(input_tokens) AS input_tokens,
          sum(output_tokens) AS output_tokens, sum(cached_tokens) AS cached_tokens, sum(cost_usd) AS cost_usd
        FROM traces WHERE team_id = $1 AND ${'jobId' in of ? 'job_id' : 'id'} = $2`,
      [teamId, 'jobId' in of ? of.jobId : of.traceId],
    );
    return {
      traces: Number(row?.traces ?? 0),
      input_tokens: Number(row?.input_tokens ?? 0),
      output_tokens: Number(row?.output_tokens ?? 0),
      cached_tokens: Number(row?.cached_tokens ?? 0),
      cost_usd: row?.cost_usd === null || row?.cost_usd === undefined ? null : Number(row.cost_usd),
    };
  }

  async jobUsage(teamId: string, jobId: string): Promise<UsageTotals> {
    return totals(
      await this.#sql.get<TotalsRow>(
        `SELECT ${TOTALS} FROM llm_usage WHERE team_id = $1 AND (job_id = $2 OR trace_id IN
            (SELECT id FROM traces WHERE team_id = $1 AND job_id = $2))`,
        [teamId, jobId],
      ),
    );
  }
}
