import { GatewayError } from '../../errors.js';
import { nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';
import { type ClaimedRollout, type ClaimInput, claimRollouts } from './rollout-queue-claim.js';
import {
  expireLeases,
  expiryReason,
  finishRollout,
  forUpdate,
  QUEUE_COLUMNS,
  type QueueRow,
  type QueueStatus,
  type RolloutVerdictStatus,
  type RunReport,
  retryRollout,
  revokeLeaseKey,
  type TraceChange,
} from './rollout-queue-transitions.js';

export type { ClaimedRollout, ClaimInput } from './rollout-queue-claim.js';
export type {
  QueueStatus,
  RolloutVerdictStatus,
  RunReport,
  TraceChange,
} from './rollout-queue-transitions.js';

/** How long a revoked lease key's row is kept (ms) before the sweeper deletes it: 1 hour. */
export const LEASE_KEY_RETENTION_MS = 60 * 60 * 1000;

/**
 * A submitted rollout as a worker gets it (hud-python's `HostedRuntime` submit body without its ids,
 * spec §6.2): environment name, the task row's id, slug, args, agent `{type, config}`, group, runtime
 * config and verifier.
 */
export interface RolloutBody {
  env: string;
  task: string;
  slug: string;
  args: Record<string, unknown> | null;
  agent: { type: string; config: Record<string, unknown> | null };
  group_id: string | null;
  runtime_config: Record<string, unknown> | null;
  verifier: Record<string, unknown> | null;
}

/** One rollout of a submit. */
export interface RolloutSubmission {
  /** Canonical trace id (32 hex for hud-python's UUIDs). */
  traceId: string;
  body: RolloutBody;
}

/** A submit of one or many rollouts of one job (`/v2/rollouts/submit`, `/submit_batch`). */
export interface RolloutSubmit {
  teamId: string;
  jobId: string;
  /** The job's name (kept when null). */
  jobName?: string | null;
  tasksetId?: string | null;
  /** How many of this job's rollouts may be leased at once (kept when null; none by default). */
  maxConcurrent?: number | null;
  /** Attempts before an infrastructure failure is recorded as the rollout's error. */
  maxAttempts: number;
  rollouts: readonly RolloutSubmission[];
}

/**
 * The job's agent and model as its rollouts name them (`agent.type`, `agent.config.model`), each null
 * when the rollouts disagree or name none: what the jobs list, the job page and the leaderboard show for a
 * hosted job (an uploaded job's own report names them at `enter`).
 */
function submittedAgent(rollouts: readonly RolloutSubmission[]): {
  agent: string | null;
  model: string | null;
} {
  const agents = new Set(rollouts.map((rollout) => rollout.body.agent.type));
  const models = new Set(
    rollouts.map((rollout) => {
      const model = rollout.body.agent.config?.model;
      return typeof model === 'string' && model !== '' ? model : null;
    }),
  );
  const only = <T>(values: Set<T>) => (values.size === 1 ? ([...values][0] ?? null) : null);
  return { agent: only(agents), model: only(models) };
}

/** A worker's heartbeat. */
export interface HeartbeatInput {
  workerId: string;
  leaseIds: readonly string[];
  /** The worker's team, or null when it serves every team. */
  teamId: string | null;
  leaseTtlMs: number;
}

/** A lease's state in a heartbeat: extended, gone (expired, re-queued, finished), or to be cancelled. */
export type LeaseState = 'active' | 'lost' | 'cancelled';

/** A worker's verdict on a lease (`POST /v2/workers/complete`). */
export interface CompleteInput {
  leaseId: string;
  teamId: string | null;
  status: RolloutVerdictStatus;
  reward: number | null;
  error: string | null;
  /** An infrastructure failure: queue again (attempt + 1) instead of recording a verdict. */
  retry: boolean;
  /** The run's grade, stop reason and model, recorded with the verdict (never with a retry). */
  report?: RunReport;
}

/** What a complete did: recorded (or re-queued), or `lost` when the lease is no longer current. */
export interface CompleteResult {
  outcome: 'recorded' | 'lost';
  changes: TraceChange[];
  /** Lease keys revoked by this call (the route drops its key cache). */
  revoked: number;
}

/** One trace of a job as its progress stream shows it. */
export interface ProgressRow {
  trace_id: string;
  status: string;
  reward: number | null;
  error: string | null;
  slug: string | null;
  group_id: string | null;
  /** The rollout's attempt (null for a trace run outside the queue). */
  attempt: number | null;
  updated_at: string;
}

/**
 * The durable queue of hosted rollouts (`rollout_queue`): submits, fair leases to workers with
 * heartbeats and expiry, and each rollout's verdict recorded exactly once on its trace (`traces`), which
 * moves `queued` → `running` (leased) → `completed` | `error` | `cancelled`.
 */
export interface RolloutQueueStore {
  /**
   * Creates the job when absent and queues each rollout whose trace is not queued yet (a trace id
   * submitted again is left as it is: idempotent). The job takes the agent and model its rollouts name
   * (when they agree; the first submit's are kept) and `total_count` = every rollout queued in it so far.
   * Returns how many were queued now.
   */
  submit(input: RolloutSubmit): Promise<{ created: number }>;
  /** A queued rollout's job, queue status and attempt, or undefined. */
  getRollout(
    teamId: string,
    traceId: string,
  ): Promise<{ job_id: string; status: QueueStatus; attempt: number } | undefined>;
  /** Leases up to `capacity` rollouts fairly; sweeps expired leases first. */
  claim(
    input: ClaimInput,
  ): Promise<{ leases: ClaimedRollout[]; changes: TraceChange[]; revoked: number }>;
  /** Extends the worker's active leases by the TTL; reports lost and cancel-marked ones. */
  heartbeat(input: HeartbeatInput): Promise<{ leaseId: string; state: LeaseState }[]>;
  /** Records a lease's verdict once, or re-queues it (`retry`); `lost` for a lease no longer current. */
  complete(input: CompleteInput): Promise<CompleteResult>;
  /** Re-queues (or records) the rollouts whose leases expired. */
  sweep(): Promise<{ changes: TraceChange[]; revoked: number }>;
  /** A job's traces (all, or those updated at or after `since`), oldest first. */
  jobProgress(teamId: string, jobId: string, since?: string): Promise<ProgressRow[]>;
  /** The gateway's first team (the bootstrap team, whose admin keys' workers serve every team). */
  firstTeamId(): Promise<string | undefined>;
}

/** The SQL implementation of {@link RolloutQueueStore}. */
export class SqlRolloutQueueStore implements RolloutQueueStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async submit(input: RolloutSubmit): Promise<{ created: number }> {
    const now = nowIso();
    return this.#sql.tx(async (tx) => {
      const job = await tx.get<{ cancel_requested_at: string | null }>(
        'SELECT cancel_requested_at FROM jobs WHERE team_id = $1 AND id = $2',
        [input.teamId, input.jobId],
      );
      if (job?.cancel_requested_at) {
        throw new GatewayError(
          'conflict',
          `job ${input.jobId} was cancelled at ${job.cancel_requested_at}; submit to a new job id`,
        );
      }
      const { agent, model } = submittedAgent(input.rollouts);
      await tx.run(
        `INSERT INTO jobs (team_id, id, name, group_size, taskset_id, created_at, updated_at, max_concurrent,
            agent, model)
          VALUES ($1, $2, $3, 1, $4, $5, $5, $6, $7, $8)
          ON CONFLICT (team_id, id) DO UPDATE SET name = COALESCE(excluded.name, jobs.name),
            taskset_id = COALESCE(excluded.taskset_id, jobs.taskset_id),
            max_concurrent = COALESCE(excluded.max_concurrent, jobs.max_concurrent),
            agent = COALESCE(jobs.agent, excluded.agent), model = COALESCE(jobs.model, excluded.model),
            updated_at = excluded.updated_at`,
        [
          input.teamId,
          input.jobId,
          input.jobName ?? null,
          input.tasksetId ?? null,
          now,
          input.maxConcurrent ?? null,
          agent,
          model,
        ],
      );
      const created = await tx.insertMany(
        'rollout_queue',
        [
          'team_id',
          'trace_id',
          'job_id',
          'env_name',
          'body',
          'status',
          'attempt',
          'max_attempts',
          'queued_at',
          'position',
          'created_at',
          'updated_at',
        ],
        input.rollouts.map((rollout, index) => [
          input.teamId,
          rollout.traceId,
          input.jobId,
          rollout.body.env,
          JSON.stringify(rollout.body),
          'queued',
          1,
          input.maxAttempts,
          now,
          index,
          now,
          now,
        ]),
        'ON CONFLICT (team_id, trace_id) DO NOTHING',
      );
      await tx.insertMany(
        'traces',
        ['team_id', 'id', 'job_id', 'group_id', 'task_slug', 'status', 'created_at', 'updated_at'],
        input.rollouts.map((rollout) => [
          input.teamId,
          rollout.traceId,
          input.jobId,
          rollout.body.group_id,
          rollout.body.slug,
          'queued',
          now,
          now,
        ]),
        'ON CONFLICT (team_id, id) DO NOTHING',
      );
      // The runs asked for: every rollout queued in the job so far (a re-sent trace counts once).
      await tx.run(
        `UPDATE jobs SET total_count = (SELECT count(*) FROM rollout_queue q
            WHERE q.team_id = $1 AND q.job_id = $2)
          WHERE team_id = $1 AND id = $2`,
        [input.teamId, input.jobId],
      );
      return { created };
    });
  }

  getRollout(
    teamId: string,
    traceId: string,
  ): Promise<{ job_id: string; status: QueueStatus; attempt: number } | undefined> {
    return this.#sql.get(
      'SELECT job_id, status, attempt FROM rollout_queue WHERE team_id = $1 AND trace_id = $2',
      [teamId, traceId],
    );
  }

  claim(
    input: ClaimInput,
  ): Promise<{ leases: ClaimedRollout[]; changes: TraceChange[]; revoked: number }> {
    return claimRollouts(this.#sql, input);
  }

  async heartbeat(input: HeartbeatInput): Promise<{ leaseId: string; state: LeaseState }[]> {
    const now = new Date();
    const nowText = now.toISOString();
    const until = new Date(now.getTime() + input.leaseTtlMs).toISOString();
    const states: { leaseId: string; state: LeaseState }[] = [];
    for (const leaseId of input.leaseIds) {
      // One statement per lease: it extends only a lease still current (not expired, this worker's).
      const row = await this.#sql.get<{ team_id: string; trace_id: string }>(
        `UPDATE rollout_queue SET lease_expires_at = $3, updated_at = $4
          WHERE lease_id = $1 AND lease_owner = $2 AND status = 'leased' AND lease_expires_at >= $4
            AND ($5 = '' OR team_id = $5)
          RETURNING team_id, trace_id`,
        [leaseId, input.workerId, until, nowText, input.teamId ?? ''],
      );
      if (!row) {
        states.push({ leaseId, state: 'lost' });
        continue;
      }
      const marks = await this.#sql.get<{ trace_mark: string | null; job_mark: string | null }>(
        `SELECT t.cancel_requested_at AS trace_mark, j.cancel_requested_at AS job_mark
          FROM traces t LEFT JOIN jobs j ON j.team_id = t.team_id AND j.id = t.job_id
          WHERE t.team_id = $1 AND t.id = $2`,
        [row.team_id, row.trace_id],
      );
      const cancelled = Boolean(marks?.trace_mark || marks?.job_mark);
      states.push({ leaseId, state: cancelled ? 'cancelled' : 'active' });
    }
    return states;
  }

  async complete(input: CompleteInput): Promise<CompleteResult> {
    return this.#sql.tx(async (tx) => {
      const now = nowIso();
      const row = await tx.get<QueueRow>(
        `SELECT ${QUEUE_COLUMNS} FROM rollout_queue WHERE lease_id = $1 ${forUpdate(tx)}`,
        [input.leaseId],
      );
      if (row?.status !== 'leased' || (input.teamId !== null && row.team_id !== input.teamId)) {
        return { outcome: 'lost', changes: [], revoked: 0 };
      }
      const revoked = (await revokeLeaseKey(tx, row.lease_key_id, now)) ? 1 : 0;
      if ((row.lease_expires_at ?? '') < now) {
        // Expired before the sweeper saw it: re-queued now, and this verdict is dropped.
        const change = await retryRollout(tx, row, expiryReason(row), now);
        return { outcome: 'lost', changes: [change], revoked };
      }
      const change = input.retry
        ? await retryRollout(
            tx,
            row,
            input.error ?? 'the worker gave the rollout back (infrastructure failure)',
            now,
          )
        : await finishRollout(
            tx,
            row,
            { status: input.status, reward: input.reward, error: input.error },
            now,
            input.report,
          );
      return { outcome: 'recorded', changes: [change], revoked };
    });
  }

  async sweep(): Promise<{ changes: TraceChange[]; revoked: number }> {
    const swept = await this.#sql.tx((tx) => expireLeases(tx, nowIso()));
    // Each lease had a key of its own: once revoked for an hour it can never authenticate again, so its
    // row goes (a job of 100,000 rollouts would otherwise leave 100,000 keys behind).
    const cutoff = new Date(Date.now() - LEASE_KEY_RETENTION_MS).toISOString();
    await this.#sql.run(
      `DELETE FROM api_keys WHERE name LIKE 'lease:%' AND revoked_at IS NOT NULL AND revoked_at < $1`,
      [cutoff],
    );
    return swept;
  }

  async firstTeamId(): Promise<string | undefined> {
    const row = await this.#sql.get<{ id: string }>(
      'SELECT id FROM teams ORDER BY created_at, id LIMIT 1',
    );
    return row?.id;
  }

  async jobProgress(teamId: string, jobId: string, since?: string): Promise<ProgressRow[]> {
    const rows = await this.#sql.all<ProgressRow>(
      `SELECT t.id AS trace_id, t.status, t.reward, t.error, t.task_slug AS slug, t.group_id, q.attempt,
          t.updated_at
        FROM traces t LEFT JOIN rollout_queue q ON q.team_id = t.team_id AND q.trace_id = t.id
        WHERE t.team_id = $1 AND t.job_id = $2 AND t.updated_at >= $3
        ORDER BY t.created_at, t.id`,
      [teamId, jobId, since ?? ''],
    );
    return rows.map((row) => ({ ...row, reward: row.reward === null ? null : Number(row.reward) }));
  }
}
