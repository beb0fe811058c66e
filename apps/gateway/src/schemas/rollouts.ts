import { z } from 'zod';

// Request bodies of hosted rollouts: hud-python's `HostedRuntime` submit (spec §6.2) and hud-ts's own batch
// submit and worker routes (/work/notes-session/hosted-contract.md). Unknown keys are ignored.

const record = z.record(z.string(), z.unknown());
const id = z.string().min(1).max(128);

/** One rollout as submitted, without its job (`POST /v2/rollouts/submit_batch` `rollouts[i]`). */
export const RolloutRow = z.looseObject({
  trace_id: id,
  /** Environment name. */
  env: z.string().trim().min(1).max(256),
  /** The task row's id (the template). */
  task: z.string().min(1).max(512),
  slug: z.string().min(1).max(1_000),
  args: record.nullish(),
  agent: z.looseObject({ type: z.string().min(1).max(128), config: record.nullish() }),
  group_id: z.string().max(128).nullish(),
  runtime_config: record.nullish(),
  verifier: record.nullish(),
});

/**
 * `POST /v2/rollouts/submit` (hud-python `HostedRuntime`): `{trace_id, job_id, env, task, slug, args,
 * agent: {type, config}, group_id?, runtime_config?, verifier?}`.
 */
export const RolloutSubmitBody = RolloutRow.extend({ job_id: id });

/** Most rollouts one `submit_batch` call takes. */
export const MAX_BATCH = 10_000;

/**
 * `POST /v2/rollouts/submit_batch`: `{job_id, job_name?, taskset_id?, max_concurrent?, rollouts: [row]}`
 * with up to {@link MAX_BATCH} rows.
 */
export const RolloutBatchBody = z.looseObject({
  job_id: id,
  job_name: z.string().max(1_000).nullish(),
  taskset_id: z.string().max(128).nullish(),
  max_concurrent: z.number().int().min(1).max(100_000).nullish(),
  rollouts: z.array(RolloutRow).min(1).max(MAX_BATCH),
});

/** `POST /v2/workers/claim`: `{worker_id, name?, runtimes, capacity, wait_s?}` (`wait_s` 0..20 s). */
export const ClaimBody = z.looseObject({
  worker_id: id,
  name: z.string().max(200).nullish(),
  runtimes: z.array(z.string().min(1).max(64)).max(32).default([]),
  capacity: z.number().int().min(1).max(256).default(1),
  wait_s: z.number().min(0).max(20).default(0),
});

/** `POST /v2/workers/heartbeat`: `{worker_id, lease_ids}`. */
export const HeartbeatBody = z.looseObject({
  worker_id: id,
  lease_ids: z.array(id).max(1_000),
});

/**
 * `POST /v2/workers/complete`: `{lease_id, status, reward?, error?, retry?, evaluation_result?,
 * stop_reason?, model?}`. `evaluation_result` (the grade), `stop_reason` (≤ 100 characters) and `model`
 * (the agent's, ≤ 1 000 characters) are what `POST /v2/trace/{id}/exit` and `/enter` record for a run
 * uploaded by `hud eval` (`TraceExit`, `TraceEnter` of ./platform.ts); older workers send none of them.
 */
export const CompleteBody = z.looseObject({
  lease_id: id,
  status: z.enum(['completed', 'error', 'cancelled']),
  reward: z.number().nullish(),
  error: z.string().max(100_000).nullish(),
  retry: z.boolean().default(false),
  evaluation_result: record.nullish(),
  stop_reason: z.string().max(100).nullish(),
  model: z.string().max(1_000).nullish(),
});
