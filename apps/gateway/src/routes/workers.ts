import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { ClaimBody, CompleteBody, HeartbeatBody } from '../schemas/rollouts.js';
import type { ClaimedRollout, LeaseState, RolloutBody } from '../store/areas/rollout-queue.js';
import type { RouteContext } from './context.js';
import type { RolloutHub } from './workers-hub.js';

/**
 * One leased rollout (`POST /v2/workers/claim` → `{leases: [Lease]}`): `key` is a HUD API key of the
 * rollout's team (member, named `lease:<trace_id>`) for this lease only, revoked when the lease ends; the
 * worker uploads spans and calls the LLM routes with it. `environment.image` is the environment's latest
 * deployed image (with the registry's `host:port` when the gateway pushes to one), null when never deployed.
 */
export interface Lease {
  lease_id: string;
  trace_id: string;
  job_id: string;
  team_id: string;
  attempt: number;
  lease_ttl_s: number;
  key: string;
  rollout: RolloutBody;
  environment: { name: string; image: string | null };
}

/** `POST /v2/workers/complete` when the lease is no longer current (409): the worker drops its result. */
export interface LeaseLostReply {
  error: 'lease_lost';
  lease_id: string;
  detail: string;
}

/**
 * The worker routes (hud-ts's own; /work/notes-session/hosted-contract.md). A worker serves its key's
 * team; a worker with an admin key of the gateway's first team (the bootstrap team) serves every team.
 * - `POST /v2/workers/claim` `{worker_id, name?, runtimes, capacity, wait_s?}` → `{leases: [Lease]}`,
 *   long-polling up to `wait_s` (≤ 20) seconds while nothing is claimable;
 * - `POST /v2/workers/heartbeat` `{worker_id, lease_ids}` → `{leases: [{lease_id, state}]}` (`active`:
 *   extended by the TTL; `lost`: drop it; `cancelled`: a cancel was asked, stop and report `cancelled`);
 * - `POST /v2/workers/complete` `{lease_id, status, reward?, error?, retry?, evaluation_result?,
 *   stop_reason?, model?}` → `{recorded: true}`, or 409 {@link LeaseLostReply}; the trace shows the grade,
 *   stop reason and model as a `/exit` and `/enter` would record them. `retry: true` re-queues the rollout
 *   (attempt + 1) up to the gateway's max attempts, then records `error` with the reason; never a reward
 *   (nor a grade) from a retry.
 */
export function registerWorkerRoutes(
  app: FastifyInstance,
  context: RouteContext,
  hub: RolloutHub,
): void {
  const queue = context.store.rolloutQueue;
  const { registry } = context.store;

  let firstTeam: string | undefined;
  const scopeOf = async (request: FastifyRequest): Promise<string | null> => {
    const auth = authOf(request);
    if (auth.role !== 'admin') return auth.teamId;
    firstTeam ??= await queue.firstTeamId();
    return auth.teamId === firstTeam ? null : auth.teamId;
  };

  const toLease = async (
    claimed: ClaimedRollout,
    images: Map<string, string | null>,
  ): Promise<Lease> => {
    const imageKey = `${claimed.teamId}\u0000${claimed.envName}`;
    if (!images.has(imageKey)) {
      const environment = await registry.findEnvironmentByName(claimed.teamId, claimed.envName);
      images.set(imageKey, environment?.image ?? null);
    }
    return {
      lease_id: claimed.leaseId,
      trace_id: claimed.traceId,
      job_id: claimed.jobId,
      team_id: claimed.teamId,
      attempt: claimed.attempt,
      lease_ttl_s: hub.leaseTtlMs / 1_000,
      key: claimed.key,
      rollout: JSON.parse(claimed.body) as RolloutBody,
      environment: { name: claimed.envName, image: images.get(imageKey) ?? null },
    };
  };

  app.post('/v2/workers/claim', async (request, reply): Promise<{ leases: Lease[] }> => {
    const body = parseWith(ClaimBody, request.body ?? {}, 'body');
    const teamId = await scopeOf(request);
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    const deadline = Date.now() + body.wait_s * 1_000;
    for (;;) {
      // A worker that went away (e.g. stopping: it aborts its long poll, then gives its leases back) must
      // not be leased what it gave back: nobody would read the answer, and the rollout would sit leased
      // until the lease expired.
      if (gone.signal.aborted) return { leases: [] };
      const result = await queue.claim({
        workerId: body.worker_id,
        workerName: body.name ?? null,
        teamId,
        capacity: body.capacity,
        leaseTtlMs: hub.leaseTtlMs,
        teamLimit: hub.teamLimit,
      });
      hub.publish(result.changes, result.revoked);
      const left = deadline - Date.now();
      if (result.leases.length > 0 || left <= 0 || gone.signal.aborted || hub.closing.aborted) {
        const images = new Map<string, string | null>();
        const leases: Lease[] = [];
        for (const claimed of result.leases) leases.push(await toLease(claimed, images));
        return { leases };
      }
      await hub.waitForWork(Math.min(left, hub.pollMs), gone.signal);
    }
  });

  app.post(
    '/v2/workers/heartbeat',
    async (request): Promise<{ leases: { lease_id: string; state: LeaseState }[] }> => {
      const body = parseWith(HeartbeatBody, request.body ?? {}, 'body');
      const states = await queue.heartbeat({
        workerId: body.worker_id,
        leaseIds: body.lease_ids,
        teamId: await scopeOf(request),
        leaseTtlMs: hub.leaseTtlMs,
      });
      return { leases: states.map(({ leaseId, state }) => ({ lease_id: leaseId, state })) };
    },
  );

  app.post(
    '/v2/workers/complete',
    async (request, reply): Promise<{ recorded: true } | LeaseLostReply> => {
      const body = parseWith(CompleteBody, request.body ?? {}, 'body');
      const result = await queue.complete({
        leaseId: body.lease_id,
        teamId: await scopeOf(request),
        status: body.status,
        reward: body.retry ? null : (body.reward ?? null),
        error: body.error ?? null,
        retry: body.retry,
        report: {
          evaluationResult: body.evaluation_result ?? null,
          stopReason: body.stop_reason ?? null,
          model: body.model ?? null,
        },
      });
      hub.publish(result.changes, result.revoked);
      if (result.outcome === 'lost') {
        reply.status(409);
        return {
          error: 'lease_lost',
          lease_id: body.lease_id,
          detail: `lease ${body.lease_id} is no longer current (it expired and the rollout was queued again, or its verdict was recorded already): drop this result`,
        };
      }
      return { recorded: true };
    },
  );
}
