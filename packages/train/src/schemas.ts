import { z } from 'zod';

/**
 * The token record of one model call (hud-python `AgentStep.sample`): `output_token_ids` and their
 * `output_logprobs` (natural log, one per token) are required in an inline payload; the prompt as
 * `prompt_token_ids` or `prompt_chunks`.
 */
export const TrainingSampleSchema = z.looseObject({
  prompt_token_ids: z.array(z.number().int()).nullish(),
  prompt_chunks: z.array(z.unknown()).nullish(),
  output_token_ids: z.array(z.number().int()).min(1),
  output_logprobs: z.array(z.number()).nullish(),
});

/** hud-python `TrajectoryPayload`: a run inline, `{samples (≥ 1), reward, trace_id?}`. */
export const TrajectoryPayloadSchema = z.object({
  samples: z.array(TrainingSampleSchema).min(1),
  reward: z.number(),
  trace_id: z.string().optional(),
});

/** `forward_backward` / `backward` result: `{metrics: {name: number}, num_datums}`. */
export const ForwardBackwardResultSchema = z.looseObject({
  metrics: z.record(z.string(), z.number()),
  num_datums: z.number().int(),
});

/** One datum of a `forward` result. */
export const ForwardDatumSchema = z.looseObject({
  reward: z.number(),
  traj_idx: z.number().int(),
  group_idx: z.number().int().nullish(),
  logprobs: z.array(z.number()),
  sampling_logprobs: z.array(z.number()),
  mask: z.array(z.number()),
});

/** `forward` result: `{forward_id, data: [datum…]}` (pass `forward_id` to `backward`). */
export const ForwardResultSchema = z.looseObject({
  forward_id: z.string(),
  data: z.array(ForwardDatumSchema),
});

/** `optim_step` result: the new checkpoint (`checkpoint_id`) and where the trainer keeps it. */
export const OptimStepResultSchema = z.looseObject({
  step: z.number().int(),
  checkpoint_id: z.string(),
  sampler_path: z.string().nullish(),
  state_path: z.string().nullish(),
  model: z.string().nullish(),
});

/** hud-python `CheckpointResponse` (`GET /v2/models/{id}/checkpoints`). */
export const CheckpointSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  checkpoint_name: z.string().nullish(),
  prev_model_checkpoint_id: z.string().nullish(),
  is_active: z.boolean().nullish(),
  created_at: z.string().nullish(),
  num_traces: z.number().nullish(),
  num_datums: z.number().nullish(),
  num_tokens: z.number().nullish(),
  mean_reward: z.number().nullish(),
  learning_rate: z.number().nullish(),
  loss_fn: z.string().nullish(),
  metrics: z.record(z.string(), z.number()).nullish(),
});

/** A run inline ({@link TrajectoryPayloadSchema}). */
export type TrajectoryPayload = z.infer<typeof TrajectoryPayloadSchema>;
/** One token record ({@link TrainingSampleSchema}). */
export type TrainingSample = z.infer<typeof TrainingSampleSchema>;
/** See {@link ForwardBackwardResultSchema}. */
export type ForwardBackwardResult = z.infer<typeof ForwardBackwardResultSchema>;
/** See {@link ForwardResultSchema}. */
export type ForwardResult = z.infer<typeof ForwardResultSchema>;
/** See {@link OptimStepResultSchema}. */
export type OptimStepResult = z.infer<typeof OptimStepResultSchema>;
/** See {@link CheckpointSchema}. */
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** The losses hud-python documents (`cross_entropy`, `importance_sampling`, `ppo`, `cispo`, `dro`); any other name is sent as given. */
export type LossFn =
  | 'cross_entropy'
  | 'importance_sampling'
  | 'ppo'
  | 'cispo'
  | 'dro'
  | (string & {});
