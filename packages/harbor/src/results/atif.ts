import type { RunRecord } from '@hud/eval';
import type { JsonObject, PromptMessage, ToolCall, ToolResult, TraceStep } from '@hud/protocol';
import { z } from 'zod';

/** The ATIF version {@link toAtif} writes (Harbor v0.22 `src/harbor/models/trajectories`). */
export const ATIF_SCHEMA_VERSION = 'ATIF-v1.7';

/** Every `schema_version` Harbor v0.22 accepts (`trajectory.py`: ATIF v1.0–v1.7). */
export const ATIF_SCHEMA_VERSIONS = [
  'ATIF-v1.0',
  'ATIF-v1.1',
  'ATIF-v1.2',
  'ATIF-v1.3',
  'ATIF-v1.4',
  'ATIF-v1.5',
  'ATIF-v1.6',
  'ATIF-v1.7',
] as const;

// Unknown keys are tolerated (not rejected): versions v1.0–v1.7 differ in optional fields, and a validator
// that refused a field Harbor added later would reject Harbor's own trajectories.
const Extra = z.record(z.string(), z.unknown()).nullish();
const Count = z.number().int().nonnegative().nullish();

/** A multimodal message part (ATIF v1.6+): `{type: 'text', text}` or `{type: 'image', source, ...}`. */
export const AtifContentPartSchema = z.union([
  z.object({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('image') }),
]);

/** `ToolCallSchema`: one tool call of an agent step; `arguments` is a JSON object (may be `{}`). */
export const AtifToolCallSchema = z.object({
  tool_call_id: z.string(),
  function_name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  extra: Extra,
});

/** `ObservationSchema`: results of a step's tool calls; `source_call_id` names a `tool_call_id` of that step. */
export const AtifObservationSchema = z.object({
  results: z.array(
    z.object({
      source_call_id: z.string().nullish(),
      content: z.union([z.string(), z.array(AtifContentPartSchema)]).nullish(),
      extra: Extra,
    }),
  ),
});

/** `MetricsSchema`: one agent step's model usage; tokens (cached tokens are a subset of prompt tokens), USD. */
export const AtifMetricsSchema = z.object({
  prompt_tokens: Count,
  completion_tokens: Count,
  cached_tokens: Count,
  cost_usd: z.number().nullish(),
  logprobs: z.array(z.number()).nullish(),
  prompt_token_ids: z.array(z.number().int()).nullish(),
  completion_token_ids: z.array(z.number().int()).nullish(),
  extra: Extra,
});

/** `StepObject`: a system message, a user message, or one agent turn (model call, tool calls, observation). */
export const AtifStepSchema = z.object({
  step_id: z.number().int(),
  timestamp: z.string().nullish(),
  source: z.enum(['system', 'user', 'agent']),
  model_name: z.string().nullish(),
  reasoning_effort: z.union([z.string(), z.number()]).nullish(),
  message: z.union([z.string(), z.array(AtifContentPartSchema)]),
  reasoning_content: z.string().nullish(),
  tool_calls: z.array(AtifToolCallSchema).nullish(),
  observation: AtifObservationSchema.nullish(),
  metrics: AtifMetricsSchema.nullish(),
  llm_call_count: Count,
  is_copied_context: z.boolean().nullish(),
  extra: Extra,
});

/** `AgentSchema`: the agent system; `model_name` is the default a step's own `model_name` overrides. */
export const AtifAgentSchema = z.object({
  name: z.string(),
  version: z.string(),
  model_name: z.string().nullish(),
  tool_definitions: z.array(z.record(z.string(), z.unknown())).nullish(),
  extra: Extra,
});

/** `FinalMetricsSchema`: totals over the trajectory; tokens, USD, and the step count. */
export const AtifFinalMetricsSchema = z.object({
  total_prompt_tokens: Count,
  total_completion_tokens: Count,
  total_cached_tokens: Count,
  total_cost_usd: z.number().nullish(),
  total_steps: Count,
  extra: Extra,
});

/**
 * An ATIF trajectory document (`agent/trajectory.json`), field by field as Harbor v0.22 describes it
 * (`src/harbor/models/trajectories`, ATIF v1.7). The root `extra` object is ATIF v1.1+.
 */
export const AtifTrajectorySchema = z.object({
  schema_version: z.enum(ATIF_SCHEMA_VERSIONS),
  session_id: z.string().nullish(),
  trajectory_id: z.string().nullish(),
  agent: AtifAgentSchema,
  steps: z.array(AtifStepSchema),
  notes: z.string().nullish(),
  final_metrics: AtifFinalMetricsSchema.nullish(),
  continued_trajectory_ref: z.unknown().optional(),
  subagent_trajectories: z.array(z.unknown()).nullish(),
  extra: Extra,
});

/** An ATIF trajectory (see {@link AtifTrajectorySchema}). */
export type AtifTrajectory = z.infer<typeof AtifTrajectorySchema>;
/** One ATIF step (see {@link AtifStepSchema}). */
export type AtifStep = z.infer<typeof AtifStepSchema>;
/** One ATIF tool call (see {@link AtifToolCallSchema}). */
export type AtifToolCall = z.infer<typeof AtifToolCallSchema>;
/** An ATIF observation (see {@link AtifObservationSchema}). */
export type AtifObservation = z.infer<typeof AtifObservationSchema>;
/** ATIF step metrics (see {@link AtifMetricsSchema}). */
export type AtifMetrics = z.infer<typeof AtifMetricsSchema>;

/** What {@link validateAtif} found: `ok`, or every problem as `<path>: <what is wrong>`. */
export type AtifValidation = { ok: true } | { ok: false; problems: string[] };

// Fields the ATIF spec marks "only applicable when source is agent".
const AGENT_ONLY = [
  'model_name',
  'reasoning_effort',
  'reasoning_content',
  'tool_calls',
  'metrics',
] as const;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2}))?$/;

/** Whether `text` is an ISO 8601 date-time with real calendar values (Date.parse rolls Feb 30 into March). */
function isIsoTimestamp(text: string): boolean {
  const match = ISO_8601.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  return (
    date.getUTCMonth() === (month ?? 0) - 1 &&
    date.getUTCDate() === day &&
    (hour ?? 0) <= 23 &&
    (minute ?? 0) <= 59 &&
    (second ?? 0) <= 59 &&
    (offsetHour ?? 0) <= 23 &&
    (offsetMinute ?? 0) <= 59
  );
}

/**
 * Checks a value against the ATIF schema ({@link AtifTrajectorySchema}) and the spec's invariants: a known
 * `schema_version` (v1.0–v1.7); `step_id` 1, 2, 3…; `source` system|user|agent; `model_name`,
 * `reasoning_effort`, `reasoning_content`, `tool_calls` and `metrics` on agent steps only; every observation
 * `source_call_id` names a `tool_call_id` of the same step; `final_metrics.total_steps` (when present) equal
 * to the number of steps; ISO 8601 timestamps. Never throws.
 * Source: Harbor v0.22 `src/harbor/models/trajectories` (ATIF v1.7) and its `trajectory_validator`.
 */
export function validateAtif(value: unknown): AtifValidation {
  const parsed = AtifTrajectorySchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ),
    };
  }
  const trajectory = parsed.data;
  const problems: string[] = [];
  trajectory.steps.forEach((step, index) => {
    const at = `steps.${index}`;
    if (step.step_id !== index + 1) {
      problems.push(
        `${at}.step_id: is ${step.step_id}, expected ${index + 1} (1-based, sequential)`,
      );
    }
    if (step.source !== 'agent') {
      for (const field of AGENT_ONLY) {
        if (step[field] != null) problems.push(`${at}.${field}: only agent steps carry it`);
      }
    }
    const callIds = new Set((step.tool_calls ?? []).map((call) => call.tool_call_id));
    (step.observation?.results ?? []).forEach((result, resultIndex) => {
      if (result.source_call_id != null && !callIds.has(result.source_call_id)) {
        problems.push(
          `${at}.observation.results.${resultIndex}.source_call_id: '${result.source_call_id}' is not a tool_call_id of this step`,
        );
      }
    });
    if (step.timestamp != null && !isIsoTimestamp(step.timestamp)) {
      problems.push(`${at}.timestamp: '${step.timestamp}' is not an ISO 8601 date-time`);
    }
  });
  const total = trajectory.final_metrics?.total_steps;
  if (total != null && total !== trajectory.steps.length) {
    problems.push(
      `final_metrics.total_steps: is ${total}, but there are ${trajectory.steps.length} steps`,
    );
  }
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

/** The input of {@link toAtif}. */
export interface ToAtifInput {
  record: RunRecord;
  /** The run's trace steps, in order (`traces/<trace_id>.jsonl`). */
  steps: readonly TraceStep[];
  /** Harbor's `agent.name`, e.g. `oracle`, `claude`. */
  agentName: string;
  /** Harbor's `agent.version`; default `unknown`. */
  agentVersion?: string;
  /** The default model; default: the first agent step's model, else null. */
  modelName?: string | null;
}

/**
 * Converts a hud-ts run into an ATIF v1.7 trajectory (Harbor's `agent/trajectory.json`). `session_id` is
 * the trace id. `user` steps become user steps (text; images as `[image <mime>]`); `agent` steps become
 * agent steps with `tool_calls` (string arguments wrapped as `{raw}`) and `metrics` (tokens, USD); each `tool`
 * step's result joins the preceding agent step's `observation` (an orphan result gets an agent step of its
 * own); `system` errors become system steps. `task` steps (tasks.start / tasks.grade calls) are not
 * conversation: the grade is summarised in `notes` and `extra.hud`. `final_metrics` sums the agent steps.
 * Source: Harbor v0.22 `src/harbor/models/trajectories` (ATIF v1.7).
 * @example
 * const trajectory = toAtif({ record, steps, agentName: 'claude', modelName: 'claude-sonnet-4-5' });
 * await writeFile('agent/trajectory.json', JSON.stringify(trajectory, null, 2));
 */
export function toAtif(input: ToAtifInput): AtifTrajectory {
  const { record } = input;
  const defaultModel =
    input.modelName ?? input.steps.find((step) => step.source === 'agent' && step.model)?.model;
  const steps: AtifStep[] = [];
  const push = (step: Omit<AtifStep, 'step_id'>): AtifStep => {
    const numbered = { step_id: steps.length + 1, ...step };
    steps.push(numbered);
    return numbered;
  };

  for (const step of input.steps) {
    const timestamp = step.ended_at ?? step.started_at;
    const when = timestamp ? { timestamp } : {};
    if (step.source === 'user') {
      push({ ...when, source: 'user', message: messagesText(step.messages ?? []) });
    } else if (step.source === 'agent') {
      push({ ...when, ...agentFields(step, defaultModel) });
    } else if (step.source === 'tool' && step.call) {
      const last = steps.at(-1);
      const owner =
        last?.source === 'agent' ? last : push({ ...when, source: 'agent', message: '' });
      attachToolResult(owner, step.call, step.result);
    } else if (step.source === 'system' && step.error) {
      push({ ...when, source: 'system', message: step.error });
    }
    // `task` steps are protocol calls, summarised in notes/extra; `subagent` steps have no ATIF step.
  }

  return {
    schema_version: ATIF_SCHEMA_VERSION,
    session_id: record.trace_id,
    agent: {
      name: input.agentName,
      version: input.agentVersion ?? 'unknown',
      model_name: defaultModel ?? null,
    },
    steps,
    notes: gradeNote(record),
    final_metrics: finalMetrics(steps),
    extra: {
      hud: {
        trace_id: record.trace_id,
        job_id: record.job_id,
        slug: record.slug,
        status: record.status,
        stop_reason: record.stop_reason,
        reward: record.reward,
        error: record.error,
        grade: record.grade
          ? {
              score: record.grade.score,
              isError: record.grade.isError ?? false,
              content: record.grade.content ?? null,
              subscores: record.grade.subscores ?? null,
            }
          : null,
      },
    },
  };
}

function agentFields(step: TraceStep, defaultModel: string | null | undefined) {
  const model = step.model ?? defaultModel;
  const usage = step.usage;
  return {
    source: 'agent' as const,
    ...(model ? { model_name: model } : {}),
    message: step.content ?? '',
    ...(step.reasoning ? { reasoning_content: step.reasoning } : {}),
    ...(step.tool_calls?.length ? { tool_calls: step.tool_calls.map(atifToolCall) } : {}),
    ...(usage
      ? {
          metrics: {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            cached_tokens: usage.cached_tokens ?? 0,
            ...(typeof usage.cost_usd === 'number' ? { cost_usd: usage.cost_usd } : {}),
            // Token ids and logprobs of the call when captured (hud `AgentStep.sample`, ATIF v1.7 metrics).
            ...(step.sample?.prompt_token_ids
              ? { prompt_token_ids: step.sample.prompt_token_ids }
              : {}),
            ...(step.sample?.output_token_ids
              ? { completion_token_ids: step.sample.output_token_ids }
              : {}),
            ...(step.sample?.output_logprobs ? { logprobs: step.sample.output_logprobs } : {}),
          },
          ...(usage.llm_call_count !== undefined ? { llm_call_count: usage.llm_call_count } : {}),
        }
      : {}),
  };
}

function atifToolCall(call: ToolCall): AtifToolCall {
  // ATIF requires an object; hud keeps unparseable arguments as the model's raw text.
  const args = typeof call.arguments === 'string' ? { raw: call.arguments } : call.arguments;
  return { tool_call_id: call.id, function_name: call.name, arguments: args };
}

function attachToolResult(owner: AtifStep, call: ToolCall, result: ToolResult | undefined): void {
  // A result whose call the agent step does not list (an agent that records tool steps itself) still
  // needs its call there: ATIF correlates results to calls of the same step.
  const calls = owner.tool_calls ?? [];
  if (!calls.some((known) => known.tool_call_id === call.id)) calls.push(atifToolCall(call));
  owner.tool_calls = calls;
  const results = owner.observation?.results ?? [];
  results.push({
    source_call_id: call.id,
    content: result ? resultText(result) : '',
    ...(result?.isError ? { extra: { is_error: true } } : {}),
  });
  owner.observation = { results };
}

function partText(part: JsonObject): string {
  if (part.type === 'text' && typeof part.text === 'string') return part.text;
  // Base64 images would bloat the trajectory; a marker keeps the position and type.
  if (part.type === 'image') {
    return typeof part.mimeType === 'string' ? `[image ${part.mimeType}]` : '[image]';
  }
  return JSON.stringify(part);
}

function messagesText(messages: readonly PromptMessage[]): string {
  return messages.map((message) => partText(message.content as JsonObject)).join('\n\n');
}

function resultText(result: ToolResult): string {
  if (result.content.length === 0 && result.structuredContent) {
    return JSON.stringify(result.structuredContent);
  }
  return result.content.map((part) => partText(part as JsonObject)).join('\n');
}

function finalMetrics(steps: readonly AtifStep[]): NonNullable<AtifTrajectory['final_metrics']> {
  let prompt = 0;
  let completion = 0;
  let cached = 0;
  let cost: number | null = null;
  for (const step of steps) {
    prompt += step.metrics?.prompt_tokens ?? 0;
    completion += step.metrics?.completion_tokens ?? 0;
    cached += step.metrics?.cached_tokens ?? 0;
    if (typeof step.metrics?.cost_usd === 'number') cost = (cost ?? 0) + step.metrics.cost_usd;
  }
  return {
    total_prompt_tokens: prompt,
    total_completion_tokens: completion,
    total_cached_tokens: cached,
    total_cost_usd: cost,
    total_steps: steps.length,
  };
}

function gradeNote(record: RunRecord): string {
  const outcome =
    record.reward !== null
      ? `reward ${record.reward}`
      : `no verdict${record.error ? ` (${record.error})` : ''}`;
  return `hud-ts run ${record.trace_id}: ${outcome}. Task setup/grade calls are not ATIF steps; the grade is in extra.hud.`;
}
