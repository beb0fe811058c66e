import { randomBytes } from 'node:crypto';
import { generateKey, hashKey, keyPrefix } from '../../api-keys.js';
import { newUuid } from '../../ids.js';
import type { Sql } from '../sql.js';
import {
  expireLeases,
  QUEUE_COLUMNS,
  type QueueRow,
  skipLocked,
  type TraceChange,
} from './rollout-queue-transitions.js';

/** What {@link claimRollouts} is asked for. */
export interface ClaimInput {
  /** The worker's own id (heartbeats must come with it). */
  workerId: string;
  workerName: string | null;
  /** The team whose rollouts this worker serves, or null for every team (a bootstrap-team admin's worker). */
  teamId: string | null;
  /** How many rollouts to lease at most. */
  capacity: number;
  /** How long a lease lives without a heartbeat, ms. */
  leaseTtlMs: number;
  /** Most leases one team holds at once (null: no limit). */
  teamLimit: number | null;
}

/** A rollout leased to a worker, with the secret of the HUD key minted for it (shown this once). */
export interface ClaimedRollout {
  leaseId: string;
  teamId: string;
  traceId: string;
  jobId: string;
  attempt: number;
  envName: string;
  /** The submitted rollout (JSON text of {@link RolloutBody}). */
  body: string;
  /** A member key of the rollout's team named `lease:<trace_id>`, revoked when the lease ends. */
  key: string;
  expiresAt: string;
}

/** Queued and leased rollouts of one job, with the job's cap. */
interface JobLoad {
  team_id: string;
  job_id: string;
  queued: number;
  leased: number;
  oldest: string | null;
  max_concurrent: number | null;
}

const jobKey = (load: { team_id: string; job_id: string }) => `${load.team_id}\u0000${load.job_id}`;

/** Oldest first; a job with nothing queued sorts last. */
function compareOldest(a: JobLoad, b: JobLoad): number {
  return (a.oldest ?? '\uffff').localeCompare(b.oldest ?? '\uffff');
}

/**
 * The next job to lease from: among teams with claimable work and below `teamLimit`, the team with the
 * fewest leases (ties: the oldest queued rollout); within it the job with the fewest leases below its
 * `max_concurrent` (ties: oldest). Undefined when nothing is claimable.
 */
export function pickJob(
  loads: readonly JobLoad[],
  teamLimit: number | null,
  blocked: ReadonlySet<string>,
): JobLoad | undefined {
  const teamLeased = new Map<string, number>();
  for (const load of loads) {
    teamLeased.set(load.team_id, (teamLeased.get(load.team_id) ?? 0) + load.leased);
  }
  const claimable = loads.filter(
    (load) =>
      load.queued > 0 &&
      !blocked.has(jobKey(load)) &&
      !blocked.has(load.team_id) &&
      (load.max_concurrent === null || load.leased < load.max_concurrent) &&
      (teamLimit === null || (teamLeased.get(load.team_id) ?? 0) < teamLimit),
  );
  if (claimable.length === 0) return undefined;
  const oldestOfTeam = new Map<string, JobLoad>();
  for (const load of claimable) {
    const best = oldestOfTeam.get(load.team_id);
    if (!best || compareOldest(load, best) < 0) oldestOfTeam.set(load.team_id, load);
  }
  const team = [...oldestOfTeam.values()].sort(
    (a, b) =>
      (teamLeased.get(a.team_id) ?? 0) - (teamLeased.get(b.team_id) ?? 0) ||
      compareOldest(a, b) ||
      a.team_id.localeCompare(b.team_id),
  )[0] as JobLoad;
  return claimable
    .filter((load) => load.team_id === team.team_id)
    .sort(
      (a, b) => a.leased - b.leased || compareOldest(a, b) || a.job_id.localeCompare(b.job_id),
    )[0];
}

/**
 * PostgreSQL: a transaction-scoped advisory lock on `name`, tried without waiting (false when another
 * claimer holds it, so this one moves on, as `SKIP LOCKED` does for rows). SQLite: always true.
 */
async function tryLock(tx: Sql, name: string): Promise<boolean> {
  if (tx.dialect !== 'postgres') return true;
  const row = await tx.get<{ locked: boolean }>(
    "SELECT pg_try_advisory_xact_lock(hashtext('hud.rollouts:' || $1)) AS locked",
    [name],
  );
  return row?.locked === true;
}

async function countLeased(tx: Sql, teamId: string, jobId?: string): Promise<number> {
  const row =
    jobId === undefined
      ? await tx.get<{ n: number }>(
          `SELECT CAST(count(*) AS INTEGER) AS n FROM rollout_queue WHERE team_id = $1 AND status = 'leased'`,
          [teamId],
        )
      : await tx.get<{ n: number }>(
          `SELECT CAST(count(*) AS INTEGER) AS n FROM rollout_queue
            WHERE team_id = $1 AND job_id = $2 AND status = 'leased'`,
          [teamId, jobId],
        );
  return row?.n ?? 0;
}

/**
 * Under a limit, PostgreSQL re-counts the leases under an advisory lock (what other claimers committed
 * meanwhile), so two gateways never lease past a job's `max_concurrent` or the team limit together.
 * False when this job (or team) cannot take one more now.
 */
async function limitAllows(
  tx: Sql,
  pick: JobLoad,
  teamLimit: number | null,
  blocked: Set<string>,
): Promise<boolean> {
  if (tx.dialect !== 'postgres') return true;
  if (teamLimit !== null) {
    if (!(await tryLock(tx, `team:${pick.team_id}`))) {
      blocked.add(pick.team_id);
      return false;
    }
    if ((await countLeased(tx, pick.team_id)) >= teamLimit) {
      blocked.add(pick.team_id);
      return false;
    }
  }
  if (pick.max_concurrent !== null) {
    if (!(await tryLock(tx, `job:${pick.team_id}:${pick.job_id}`))) {
      blocked.add(jobKey(pick));
      return false;
    }
    pick.leased = await countLeased(tx, pick.team_id, pick.job_id);
    if (pick.leased >= pick.max_concurrent) {
      blocked.add(jobKey(pick));
      return false;
    }
  }
  return true;
}

/**
 * Leases up to `capacity` queued rollouts fairly (see {@link pickJob}) in one transaction: expired leases
 * are swept first (re-queued as infrastructure retries); each leased rollout gets a lease id, an expiry,
 * a key of its team, and its trace turns `running`. PostgreSQL takes rows with `SELECT … FOR UPDATE SKIP
 * LOCKED`, so concurrent claimers (any number of gateways on one database) never lease one rollout twice.
 */
export async function claimRollouts(
  sql: Sql,
  input: ClaimInput,
): Promise<{ leases: ClaimedRollout[]; changes: TraceChange[]; revoked: number }> {
  return sql.tx(async (tx) => {
    const now = new Date();
    const nowText = now.toISOString();
    const swept = await expireLeases(tx, nowText);
    const scope = input.teamId === null ? '' : 'AND q.team_id = $1';
    const loads = await tx.all<JobLoad>(
      `SELECT q.team_id, q.job_id,
          CAST(sum(CASE WHEN q.status = 'queued' THEN 1 ELSE 0 END) AS INTEGER) AS queued,
          CAST(sum(CASE WHEN q.status = 'leased' THEN 1 ELSE 0 END) AS INTEGER) AS leased,
          min(CASE WHEN q.status = 'queued' THEN q.queued_at END) AS oldest, j.max_concurrent
        FROM rollout_queue q LEFT JOIN jobs j ON j.team_id = q.team_id AND j.id = q.job_id
        WHERE q.status IN ('queued', 'leased') ${scope}
        GROUP BY q.team_id, q.job_id, j.max_concurrent`,
      input.teamId === null ? [] : [input.teamId],
    );
    const leases: ClaimedRollout[] = [];
    const changes = [...swept.changes];
    const blocked = new Set<string>();
    const expiresAt = new Date(now.getTime() + input.leaseTtlMs).toISOString();
    while (leases.length < input.capacity) {
      const pick = pickJob(loads, input.teamLimit, blocked);
      if (!pick) break;
      if (!(await limitAllows(tx, pick, input.teamLimit, blocked))) continue;
      const row = await tx.get<QueueRow>(
        `SELECT ${QUEUE_COLUMNS} FROM rollout_queue
          WHERE team_id = $1 AND job_id = $2 AND status = 'queued'
          ORDER BY queued_at, position LIMIT 1 ${skipLocked(tx)}`,
        [pick.team_id, pick.job_id],
      );
      if (!row) {
        blocked.add(jobKey(pick));
        continue;
      }
      const leaseId = randomBytes(16).toString('hex');
      const key = generateKey();
      const keyId = newUuid();
      const taken = await tx.run(
        `UPDATE rollout_queue SET status = 'leased', lease_id = $3, lease_owner = $4, lease_worker_name = $5,
            lease_key_id = $6, lease_expires_at = $7, updated_at = $8
          WHERE team_id = $1 AND trace_id = $2 AND status = 'queued'`,
        [
          row.team_id,
          row.trace_id,
          leaseId,
          input.workerId,
          input.workerName,
          keyId,
          expiresAt,
          nowText,
        ],
      );
      if (taken.changes === 0) {
        pick.queued--; // taken meanwhile (the row lock makes this a safety net)
        continue;
      }
      await tx.run(
        `INSERT INTO api_keys (id, team_id, name, role, key_hash, prefix, created_at)
          VALUES ($1, $2, $3, 'member', $4, $5, $6)`,
        [keyId, row.team_id, `lease:${row.trace_id}`, hashKey(key), keyPrefix(key), nowText],
      );
      await tx.run(
        `UPDATE traces SET status = 'running', started_at = COALESCE(started_at, $3), ended_at = NULL,
            updated_at = $3 WHERE team_id = $1 AND id = $2`,
        [row.team_id, row.trace_id, nowText],
      );
      pick.queued--;
      pick.leased++;
      leases.push({
        leaseId,
        teamId: row.team_id,
        traceId: row.trace_id,
        jobId: row.job_id,
        attempt: row.attempt,
        envName: row.env_name,
        body: row.body,
        key,
        expiresAt,
      });
      changes.push({
        teamId: row.team_id,
        jobId: row.job_id,
        traceId: row.trace_id,
        status: 'running',
        attempt: row.attempt,
        reward: null,
        error: null,
        at: nowText,
      });
    }
    return { leases, changes, revoked: swept.revoked };
  });
}
