import { randomUUID } from 'node:crypto';
import type { QaCategory, QaResult, QaVerdict } from '@hud/protocol';
import { nowIso } from '../../ids.js';
import { jsonText, parseJson, placeholders, type Sql } from '../sql.js';

/** A team's custom QA agent (a custom workflow); the standard four are not stored. */
export interface QaAgentRecord {
  id: string;
  name: string;
  description: string;
  rubric: string;
  categories: QaCategory[];
  created_at: string;
  updated_at: string;
}

/** A taskset's QA column: every ended trace of a job of the taskset gets a result of the agent. */
export interface QaColumnRecord {
  taskset_id: string;
  qa_agent_id: string;
  created_at: string;
}

interface ResultRow {
  id: string;
  qa_agent_id: string;
  trace_id: string;
  job_id: string | null;
  status: string;
  verdict: string | null;
  category: string | null;
  confidence: number | null;
  evidence: string | null;
  explanation: string | null;
  model: string | null;
  created_at: string;
  updated_at: string;
}

const RESULT_COLUMNS =
  'id, qa_agent_id, trace_id, job_id, status, verdict, category, confidence, evidence, explanation, model, created_at, updated_at';

function toResult(row: ResultRow): QaResult {
  return {
    id: row.id,
    qa_agent_id: row.qa_agent_id,
    subject_type: 'trace',
    subject_id: row.trace_id,
    job_id: row.job_id,
    status: row.status as QaResult['status'],
    verdict: row.verdict as QaResult['verdict'],
    category: row.category,
    confidence: row.confidence === null ? null : Number(row.confidence),
    evidence: parseJson<QaResult['evidence']>(row.evidence) ?? [],
    explanation: row.explanation,
    model: row.model,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/**
 * QA agents, results and taskset QA columns (`/v2/qa-agents/*`, spec §9.8). A result is one agent's review
 * of one trace (unique per team, agent and trace): `pending` when requested, `running` while a worker holds
 * it (a lease; an expired lease makes it claimable again), `completed` with the verdict.
 */
export interface QaStore {
  listAgents(teamId: string): Promise<QaAgentRecord[]>;
  getAgent(teamId: string, id: string): Promise<QaAgentRecord | undefined>;
  /** Creates or replaces custom agent `agent.id`. */
  putAgent(
    teamId: string,
    agent: Omit<QaAgentRecord, 'created_at' | 'updated_at'>,
  ): Promise<QaAgentRecord>;
  /** The ids among `traceIds` that are traces of the team, with their jobs. */
  findTraces(
    teamId: string,
    traceIds: readonly string[],
  ): Promise<{ id: string; job_id: string | null }[]>;
  /** The trace ids of job `jobId`. */
  jobTraceIds(teamId: string, jobId: string): Promise<string[]>;
  /**
   * One result per trace for `agentId`: a new `pending` one, the existing one, or (with `overwrite`) the
   * existing one reset to `pending` with its verdict cleared. In `traces` order.
   */
  requestResults(input: {
    teamId: string;
    agentId: string;
    traces: readonly { id: string; job_id: string | null }[];
    overwrite: boolean;
  }): Promise<QaResult[]>;
  getResults(teamId: string, ids: readonly string[]): Promise<QaResult[]>;
  resultsOfTrace(teamId: string, traceId: string): Promise<QaResult[]>;
  resultsOfJob(teamId: string, jobId: string): Promise<QaResult[]>;
  /**
   * Materialises the QA columns (a `pending` result for every ended trace — `completed` or `error` — of a
   * job whose taskset has a column, where none exists yet), then leases up to `limit` claimable results
   * (`pending`, or `running` with an expired lease; only `resultIds` when given) for `leaseMs`.
   */
  claim(input: {
    teamId: string;
    limit: number;
    leaseMs: number;
    resultIds?: readonly string[] | undefined;
  }): Promise<QaResult[]>;
  /** Records the verdict of a result; undefined when there is no such result. */
  complete(input: {
    teamId: string;
    id: string;
    verdict: QaVerdict;
    model: string | null;
  }): Promise<QaResult | undefined>;
  addColumn(teamId: string, tasksetId: string, agentId: string): Promise<QaColumnRecord>;
  removeColumn(teamId: string, tasksetId: string, agentId: string): Promise<boolean>;
  listColumns(teamId: string, tasksetId: string): Promise<QaColumnRecord[]>;
}

const newId = () => randomUUID().replaceAll('-', '');

/** The SQL implementation of {@link QaStore}. */
export class SqlQaStore implements QaStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async listAgents(teamId: string): Promise<QaAgentRecord[]> {
    const rows = await this.#sql.all<QaAgentRecord & { categories: string }>(
      'SELECT id, name, description, rubric, categories, created_at, updated_at FROM qa_agents WHERE team_id = $1 ORDER BY id',
      [teamId],
    );
    return rows.map((row) => ({
      ...row,
      categories: parseJson<QaCategory[]>(row.categories) ?? [],
    }));
  }

  async getAgent(teamId: string, id: string): Promise<QaAgentRecord | undefined> {
    return (await this.listAgents(teamId)).find((agent) => agent.id === id);
  }

  async putAgent(
    teamId: string,
    agent: Omit<QaAgentRecord, 'created_at' | 'updated_at'>,
  ): Promise<QaAgentRecord> {
    const now = nowIso();
    await this.#sql.run(
      `INSERT INTO qa_agents (team_id, id, name, description, rubric, categories, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (team_id, id) DO UPDATE SET name = $3, description = $4, rubric = $5, categories = $6, updated_at = $7`,
      [
        teamId,
        agent.id,
        agent.name,
        agent.description,
        agent.rubric,
        JSON.stringify(agent.categories),
        now,
      ],
    );
    return (await this.getAgent(teamId, agent.id)) as QaAgentRecord;
  }

  async findTraces(
    teamId: string,
    traceIds: readonly string[],
  ): Promise<{ id: string; job_id: string | null }[]> {
    if (traceIds.length === 0) return [];
    return this.#sql.all(
      `SELECT id, job_id FROM traces WHERE team_id = $1 AND id IN (${placeholders(traceIds.length, 2)})`,
      [teamId, ...traceIds],
    );
  }

  async jobTraceIds(teamId: string, jobId: string): Promise<string[]> {
    const rows = await this.#sql.all<{ id: string }>(
      'SELECT id FROM traces WHERE team_id = $1 AND job_id = $2 ORDER BY created_at, id',
      [teamId, jobId],
    );
    return rows.map((row) => row.id);
  }

  async requestResults(input: {
    teamId: string;
    agentId: string;
    traces: readonly { id: string; job_id: string | null }[];
    overwrite: boolean;
  }): Promise<QaResult[]> {
    const { teamId, agentId } = input;
    return this.#sql.tx(async (tx) => {
      const now = nowIso();
      await tx.insertMany(
        'qa_results',
        [
          'team_id',
          'id',
          'qa_agent_id',
          'trace_id',
          'job_id',
          'status',
          'created_at',
          'updated_at',
        ],
        input.traces.map((trace) => [
          teamId,
          newId(),
          agentId,
          trace.id,
          trace.job_id,
          'pending',
          now,
          now,
        ]),
        'ON CONFLICT (team_id, qa_agent_id, trace_id) DO NOTHING',
      );
      const ids = input.traces.map((trace) => trace.id);
      if (input.overwrite && ids.length > 0) {
        await tx.run(
          `UPDATE qa_results SET status = 'pending', verdict = NULL, category = NULL, confidence = NULL,
              evidence = NULL, explanation = NULL, model = NULL, lease_expires_at = NULL, updated_at = $3
            WHERE team_id = $1 AND qa_agent_id = $2 AND trace_id IN (${placeholders(ids.length, 4)})`,
          [teamId, agentId, now, ...ids],
        );
      }
      if (ids.length === 0) return [];
      const rows = await tx.all<ResultRow>(
        `SELECT ${RESULT_COLUMNS} FROM qa_results
          WHERE team_id = $1 AND qa_agent_id = $2 AND trace_id IN (${placeholders(ids.length, 3)})`,
        [teamId, agentId, ...ids],
      );
      const byTrace = new Map(rows.map((row) => [row.trace_id, toResult(row)]));
      return ids.flatMap((id) => byTrace.get(id) ?? []);
    });
  }

  async getResults(teamId: string, ids: readonly string[]): Promise<QaResult[]> {
    if (ids.length === 0) return [];
    const rows = await this.#sql.all<ResultRow>(
      `SELECT ${RESULT_COLUMNS} FROM qa_results WHERE team_id = $1 AND id IN (${placeholders(ids.length, 2)})`,
      [teamId, ...ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toResult(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async resultsOfTrace(teamId: string, traceId: string): Promise<QaResult[]> {
    const rows = await this.#sql.all<ResultRow>(
      `SELECT ${RESULT_COLUMNS} FROM qa_results WHERE team_id = $1 AND trace_id = $2 ORDER BY qa_agent_id`,
      [teamId, traceId],
    );
    return rows.map(toResult);
  }

  async resultsOfJob(teamId: string, jobId: string): Promise<QaResult[]> {
    const rows = await this.#sql.all<ResultRow>(
      `SELECT ${RESULT_COLUMNS} FROM qa_results WHERE team_id = $1 AND job_id = $2 ORDER BY created_at, trace_id, qa_agent_id`,
      [teamId, jobId],
    );
    return rows.map(toResult);
  }

  async claim(input: {
    teamId: string;
    limit: number;
    leaseMs: number;
    resultIds?: readonly string[] | undefined;
  }): Promise<QaResult[]> {
    const { teamId } = input;
    return this.#sql.tx(async (tx) => {
      const now = nowIso();
      // The QA columns: ended traces of their tasksets' jobs without a result of the column's agent yet.
      const missing = await tx.all<{ id: string; job_id: string; qa_agent_id: string }>(
        `SELECT t.id, t.job_id, c.qa_agent_id FROM traces t
           JOIN jobs j ON j.team_id = t.team_id AND j.id = t.job_id
           JOIN taskset_qa_columns c ON c.team_id = j.team_id AND c.taskset_id = j.taskset_id
          WHERE t.team_id = $1 AND t.status IN ('completed', 'error')
            AND NOT EXISTS (SELECT 1 FROM qa_results r
                             WHERE r.team_id = t.team_id AND r.qa_agent_id = c.qa_agent_id AND r.trace_id = t.id)`,
        [teamId],
      );
      await tx.insertMany(
        'qa_results',
        [
          'team_id',
          'id',
          'qa_agent_id',
          'trace_id',
          'job_id',
          'status',
          'created_at',
          'updated_at',
        ],
        missing.map((row) => [
          teamId,
          newId(),
          row.qa_agent_id,
          row.id,
          row.job_id,
          'pending',
          now,
          now,
        ]),
        'ON CONFLICT (team_id, qa_agent_id, trace_id) DO NOTHING',
      );
      const only = input.resultIds ?? [];
      const filter = only.length ? `AND id IN (${placeholders(only.length, 4)})` : '';
      const candidates = await tx.all<{ id: string }>(
        `SELECT id FROM qa_results
          WHERE team_id = $1 AND (status = 'pending' OR (status = 'running' AND lease_expires_at < $2))
            ${filter}
          ORDER BY created_at, id LIMIT $3`,
        [teamId, now, input.limit, ...only],
      );
      const expires = new Date(Date.parse(now) + input.leaseMs).toISOString();
      const claimed: string[] = [];
      for (const { id } of candidates) {
        // Compare-and-set: a concurrent claimer that got there first leaves no row to update.
        const updated = await tx.run(
          `UPDATE qa_results SET status = 'running', lease_expires_at = $3, updated_at = $4
            WHERE team_id = $1 AND id = $2 AND (status = 'pending' OR (status = 'running' AND lease_expires_at < $4))`,
          [teamId, id, expires, now],
        );
        if (updated.changes > 0) claimed.push(id);
      }
      if (claimed.length === 0) return [];
      const rows = await tx.all<ResultRow>(
        `SELECT ${RESULT_COLUMNS} FROM qa_results WHERE team_id = $1 AND id IN (${placeholders(claimed.length, 2)}) ORDER BY created_at, id`,
        [teamId, ...claimed],
      );
      return rows.map(toResult);
    });
  }

  async complete(input: {
    teamId: string;
    id: string;
    verdict: QaVerdict;
    model: string | null;
  }): Promise<QaResult | undefined> {
    const { verdict } = input;
    await this.#sql.run(
      `UPDATE qa_results SET status = 'completed', verdict = $3, category = $4, confidence = $5, evidence = $6,
          explanation = $7, model = $8, lease_expires_at = NULL, updated_at = $9
        WHERE team_id = $1 AND id = $2`,
      [
        input.teamId,
        input.id,
        verdict.verdict,
        verdict.category,
        verdict.confidence,
        jsonText(verdict.evidence),
        verdict.explanation,
        input.model,
        nowIso(),
      ],
    );
    return (await this.getResults(input.teamId, [input.id]))[0];
  }

  async addColumn(teamId: string, tasksetId: string, agentId: string): Promise<QaColumnRecord> {
    await this.#sql.run(
      `INSERT INTO taskset_qa_columns (team_id, taskset_id, qa_agent_id, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (team_id, taskset_id, qa_agent_id) DO NOTHING`,
      [teamId, tasksetId, agentId, nowIso()],
    );
    const columns = await this.listColumns(teamId, tasksetId);
    return columns.find((column) => column.qa_agent_id === agentId) as QaColumnRecord;
  }

  async removeColumn(teamId: string, tasksetId: string, agentId: string): Promise<boolean> {
    const result = await this.#sql.run(
      'DELETE FROM taskset_qa_columns WHERE team_id = $1 AND taskset_id = $2 AND qa_agent_id = $3',
      [teamId, tasksetId, agentId],
    );
    return result.changes > 0;
  }

  async listColumns(teamId: string, tasksetId: string): Promise<QaColumnRecord[]> {
    return this.#sql.all(
      'SELECT taskset_id, qa_agent_id, created_at FROM taskset_qa_columns WHERE team_id = $1 AND taskset_id = $2 ORDER BY created_at, qa_agent_id',
      [teamId, tasksetId],
    );
  }
}
