/**
 * The shapes of the gateway's worker routes (`/v2/workers/claim`, `/heartbeat`, `/complete`), as
 * /work/notes-session/hosted-contract.md and issue 16 ("Hosted rollouts") define them: a {@link Lease} is
 * one rollout a worker runs, with a HUD key minted for it.
 */
import { z } from 'zod';

const record = z.record(z.string(), z.unknown());

/** The rollout of a lease: the submitted row and agent (hud-python `HostedRuntime` submit, spec §6.2). */
export const LeaseRollout = z.looseObject({
  /** Environment name. */
  env: z.string().min(1),
  /** The task row's id (the template). */
  task: z.string().min(1),
  slug: z.string().min(1),
  args: record.nullish(),
  agent: z.looseObject({ type: z.string().min(1), config: record.nullish() }),
  group_id: z.string().nullish(),
  runtime_config: record.nullish(),
  verifier: record.nullish(),
});
/** See {@link LeaseRollout}. */
export type LeaseRollout = z.infer<typeof LeaseRollout>;

/** One leased rollout (`POST /v2/workers/claim` → `{leases: [Lease]}`). */
export const Lease = z.looseObject({
  lease_id: z.string().min(1),
  /** 32 hex. */
  trace_id: z.string().min(1),
  job_id: z.string().min(1),
  team_id: z.string().nullish(),
  /** 1 for the first attempt; +1 per infrastructure retry. */
  attempt: z.number().int().nonnegative().optional(),
  /** Seconds a lease lives without a heartbeat. */
  lease_ttl_s: z.number().positive(),
  /** A HUD API key for this lease only (revoked when it ends); never logged. */
  key: z.string().min(1),
  rollout: LeaseRollout,
  environment: z.looseObject({ name: z.string(), image: z.string().nullish() }),
});
/** See {@link Lease}. */
export type Lease = z.infer<typeof Lease>;

/** `POST /v2/workers/claim` answer. */
export const ClaimReply = z.looseObject({ leases: z.array(Lease) });

/** A lease's state in a heartbeat answer. */
export type LeaseState = 'active' | 'lost' | 'cancelled';

/** `POST /v2/workers/heartbeat` answer. */
export const HeartbeatReply = z.looseObject({
  leases: z.array(
    z.looseObject({
      lease_id: z.string(),
      state: z.enum(['active', 'lost', 'cancelled']),
    }),
  ),
});

/**
 * `POST /v2/workers/complete` body: the verdict of a lease, or its return (`retry`). A run's verdict also
 * carries what a `hud eval` upload reports for its trace, so the gateway's viewer shows it alike:
 * `evaluation_result` and `stop_reason` as `POST /v2/trace/{id}/exit` sends them (`traceExitReport` of
 * `@hud/eval`), and the agent's `model` as `/enter` does.
 */
export interface Completion {
  status: 'completed' | 'error' | 'cancelled';
  reward?: number | null;
  error?: string | null;
  /** An infrastructure failure (substrate did not start, worker shutting down): re-queue, no reward. */
  retry?: boolean;
  /** The grade (the `tasks.grade` frame), when the run was graded. */
  evaluation_result?: Record<string, unknown>;
  /** How the run ended (`@hud/eval`'s `StopReason`), when known. */
  stop_reason?: string;
  /** The model the agent called, when it calls one. */
  model?: string;
}

/** What a worker runs: `docker` (the environment's deployed image) or `local` (an env file here). */
export type WorkerRuntime = 'docker' | 'local';
