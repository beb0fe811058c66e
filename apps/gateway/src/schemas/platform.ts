import { z } from 'zod';

// Request bodies of the platform routes, in hud-python 0.6.16's shapes (spec sections named on each).
// Unknown keys are ignored (as the platform's pydantic models do), so a newer client's extra fields pass.

const record = z.record(z.string(), z.unknown());
const name = (max: number) => z.string().trim().min(1).max(max);

/** `POST /v2/trace/job/{job_id}/enter` (spec §8.4): `{name, group, taskset_id?}`. */
export const JobEnter = z.looseObject({
  name: z.string().max(1_000).default(''),
  group: z.number().int().min(1).max(100_000).default(1),
  taskset_id: z.string().max(128).nullable().optional(),
});

/** `POST /v2/trace/{trace_id}/enter` (spec §5.4, §8.4): `{job_id, group_id?, task_slug, model?}`. */
export const TraceEnter = z.looseObject({
  job_id: z.string().min(1).max(128),
  group_id: z.string().max(128).nullable().optional(),
  task_slug: z.string().max(1_000).nullable().optional(),
  model: z.string().max(1_000).nullable().optional(),
});

/**
 * `POST /v2/trace/{trace_id}/exit` (spec §8.4): `{status, reward, error?, evaluation_result?,
 * stop_reason?, metadata?}`; `status` defaults to `completed`.
 */
export const TraceExit = z.looseObject({
  status: z.enum(['completed', 'error', 'cancelled']).default('completed'),
  reward: z.number().nullable().default(null),
  error: z.string().max(100_000).nullable().optional(),
  evaluation_result: record.nullable().optional(),
  stop_reason: z.string().max(100).nullable().optional(),
  metadata: record.nullable().optional(),
});

/** One task of `POST /v2/tasks/upload` (spec §9.7). */
export const UploadTask = z.looseObject({
  name: name(512),
  env: z.looseObject({ name: name(256) }),
  task_id: name(512),
  args: record.default({}),
  validation: z.array(z.unknown()).nullable().optional(),
  agent_config: record.nullable().optional(),
  columns: record.nullable().optional(),
  runtime_config: record.nullable().optional(),
  verifier: record.nullable().optional(),
});

/** `POST /v2/tasks/upload` (spec §9.7): `{taskset_name, tasks: [...]}`. */
export const TasksUpload = z.looseObject({
  taskset_name: name(256),
  tasks: z.array(UploadTask).max(100_000),
});

/** `POST /v2/models/fork` (spec §9.8): `{source_model_id, name}`. */
export const ModelFork = z.looseObject({
  source_model_id: z.string().min(1).max(128),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/,
      'expected a slug: letters, digits, `.`, `_`, `-`, `/`, up to 128 characters',
    ),
});

/** `PUT /v2/models/{id}/head` (spec §9.8): `{checkpoint_id}`. */
export const ModelHead = z.looseObject({ checkpoint_id: z.string().min(1).max(128) });

/** `POST /v2/rollouts/cancel` (spec §6.2, §9.8): `{trace_id, job_id?}`. */
export const CancelTrace = z.looseObject({
  trace_id: z.string().min(1).max(128),
  job_id: z.string().min(1).max(128).nullable().optional(),
});

/** `POST /v2/rollouts/cancel_job` (spec §9.8): `{job_id}`. */
export const CancelJob = z.looseObject({ job_id: z.string().min(1).max(128) });

/** `POST /v2/keys`: `{name, role?, team?}` (a gateway route, not hud-python's); `lease:` names are reserved. */
export const KeyCreate = z.looseObject({
  name: name(100).refine((value) => !value.startsWith('lease:'), {
    message: "names starting with 'lease:' are reserved for the rollout queue's per-lease keys",
  }),
  role: z.enum(['admin', 'member']).default('member'),
  team: name(100).optional(),
});

/** `POST /auth/device/code` (spec §9.8): `{client_name, client_version}`, both optional here. */
export const DeviceCodeRequest = z.looseObject({
  client_name: z.string().max(256).nullable().optional(),
  client_version: z.string().max(64).nullable().optional(),
});

/** `POST /auth/device/token` (spec §9.8, RFC 8628 §3.4): `{device_code}`. */
export const DeviceTokenRequest = z.looseObject({ device_code: z.string().min(1).max(256) });

/** `POST /auth/device/approve` and the `/device` form: `{user_code, action?}`. */
export const DeviceDecision = z.looseObject({
  user_code: z.string().min(1).max(32),
  action: z.enum(['approve', 'deny']).default('approve'),
});

/** `?limit=` and a paging cursor. */
export const PageQuery = z.looseObject({
  limit: z.coerce.number().int().min(1).max(500).default(20),
  cursor: z.string().max(512).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
