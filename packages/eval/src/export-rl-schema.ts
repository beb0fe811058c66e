import { z } from 'zod';

/** The schema tag every line of an RL export carries (`schema`). */
export const RL_EXPORT_SCHEMA = 'hud.rl.v1';

/** A tool call of an assistant message, in OpenAI Chat Completions form (`arguments` is JSON text). */
export const RlToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/**
 * One chat message of an RL export line, in OpenAI Chat Completions form (what TRL, verl and OpenRLHF feed a
 * chat template): `user`/`assistant` text; an assistant's `tool_calls` and `reasoning_content`; a `tool`
 * message answering `tool_call_id` (its text; images as `[image <mime>]`).
 */
export const RlMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  reasoning_content: z.string().optional(),
  tool_calls: z.array(RlToolCallSchema).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
});

/**
 * The token record of one model call (hud-python `AgentStep.sample`): prompt token ids, output token ids and
 * their log-probabilities (natural log, one per output token). Present only when the server returned them.
 */
export const RlSampleSchema = z.object({
  prompt_token_ids: z.array(z.number().int()).nullish(),
  prompt_chunks: z.array(z.unknown()).nullish(),
  output_token_ids: z.array(z.number().int()).nullish(),
  output_logprobs: z.array(z.number()).nullish(),
});

/**
 * One line of `hud jobs export <id> --format rl`: one run as a training example.
 * - `prompt`: the task's prompt messages; `completion`: everything after it, in order — the assistant turns
 *   (with tool calls), the tool results, any later user turns.
 * - `reward`: the grade's score (null for a run without a verdict); `advantage`: `reward − mean of its group`
 *   (÷ `std + ε` with `--normalize-std`), null without a verdict; `group_id` names the group (the runs of one
 *   task of a `--group N` job); `group_index` the run's place in it.
 * - `samples`: one entry per model call with token ids/logprobs, in call order, only when captured
 *   (the `openai_compatible` agent against vLLM with `return_token_ids`); absent otherwise.
 */
export const RlExportLineSchema = z.object({
  schema: z.literal(RL_EXPORT_SCHEMA),
  prompt: z.array(RlMessageSchema),
  completion: z.array(RlMessageSchema),
  reward: z.number().nullable(),
  advantage: z.number().nullable(),
  group_id: z.string(),
  group_index: z.number().int().nonnegative(),
  task: z.string(),
  trace_id: z.string(),
  job_id: z.string(),
  status: z.string(),
  stop_reason: z.string().nullable(),
  model: z.string().nullable(),
  samples: z.array(RlSampleSchema).optional(),
});

/** One chat message of an RL export line (see {@link RlMessageSchema}). */
export type RlMessage = z.infer<typeof RlMessageSchema>;
/** One token record (see {@link RlSampleSchema}). */
export type RlSample = z.infer<typeof RlSampleSchema>;
/** One line of an RL export (see {@link RlExportLineSchema}). */
export type RlExportLine = z.infer<typeof RlExportLineSchema>;
