/**
 * The platform answers the CLI reads, as zod schemas (loose: hud.ai and `hud gateway` may add fields, which
 * are kept). Field names are hud-python's (spec/hud-python-v6.md §8.4, §9.8, §11); the gateway's own routes
 * (`/v2/keys`) are described in apps/gateway/src/routes/keys.ts.
 */
import { z } from 'zod';

const text = z.string().nullable().optional();
const number = z.number().nullable().optional();

/** A job of `GET /v2/jobs` (`{items}` or a bare list) and `GET /v2/jobs/{id}`. */
export const PlatformJob = z.looseObject({
  id: z.string(),
  name: text,
  taskset_name: text,
  status: text,
  created_at: text,
  trace_count: number,
  running_count: number,
  error_count: number,
  reward: number,
  cancel_requested: z.boolean().optional(),
});
/** See {@link PlatformJob}. */
export type PlatformJob = z.infer<typeof PlatformJob>;

/** A trace (one rollout) of `GET /v2/jobs/{id}/traces` and `GET /v2/trace/{id}`. */
export const PlatformTrace = z.looseObject({
  id: z.string(),
  job_id: text,
  task_slug: text,
  model: text,
  status: text,
  reward: number,
  error: text,
  stop_reason: text,
  span_count: number,
  created_at: text,
  start_time: text,
  end_time: text,
  cancel_requested: z.boolean().optional(),
});
/** See {@link PlatformTrace}. */
export type PlatformTrace = z.infer<typeof PlatformTrace>;

/** hud-python's `hud jobs` accepts a list or `{items}`; so does the CLI. */
export function listOf<T extends z.ZodType>(item: T) {
  return z
    .union([z.array(item), z.looseObject({ items: z.array(item) })])
    .transform((value) => (Array.isArray(value) ? value : value.items));
}

/** `GET /v2/trace/{id}/spans`: the raw spans (spec §8.2) a page at a time (a `hud gateway` route). */
export const SpanPage = z.looseObject({
  spans: z.array(z.unknown()),
  next_cursor: z.string().nullable().optional(),
});

/** `GET /v2/trace/{id}/events` (what hud-python's `hud trace` renders). */
export const TraceEvents = z.looseObject({
  events: z.array(z.looseObject({ kind: z.string() })),
});
/** One event of {@link TraceEvents}. */
export type TraceEvent = z.infer<typeof TraceEvents>['events'][number];

/** An API key of `GET /v2/keys` (`{items}`), `DELETE /v2/keys/{id}`; `POST /v2/keys` adds `key` once. */
export const ApiKey = z.looseObject({
  id: z.string(),
  name: z.string(),
  team_name: text,
  role: z.string(),
  prefix: text,
  created_at: text,
  revoked_at: text,
});
/** See {@link ApiKey}. */
export type ApiKey = z.infer<typeof ApiKey>;

/** A model of `GET /v2/models` (`{items}`), `/v2/models/resolve` and `POST /v2/models/fork`. */
export const PlatformModel = z.looseObject({
  id: z.string(),
  name: z.string(),
  model_name: text,
  provider: z.looseObject({ name: z.string().nullable().optional() }).nullable().optional(),
  sdk_agent_type: text,
  is_trainable: z.boolean().nullable().optional(),
  head_checkpoint_id: text,
});
/** See {@link PlatformModel}. */
export type PlatformModel = z.infer<typeof PlatformModel>;

/** A checkpoint (hud-python's `CheckpointResponse`, spec §11); `is_active` marks the head. */
export const Checkpoint = z.looseObject({
  id: z.string(),
  name: text,
  checkpoint_name: text,
  prev_model_checkpoint_id: text,
  is_active: z.boolean().nullable().optional(),
  created_at: text,
  num_traces: number,
  mean_reward: number,
  loss_fn: text,
});
/** See {@link Checkpoint}. */
export type Checkpoint = z.infer<typeof Checkpoint>;
