import type { TraceStep } from '@hud/protocol';
import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { RunRecord } from '../run-record.js';

/** The agent a run's spans name (`gen_ai.agent.name`, `gen_ai.request.model`). */
export interface RunSpanAgent {
  name: string;
  model: string | null;
  /** `gen_ai.provider.name` when known (`openai`, `anthropic`, `gcp.gemini`…). */
  provider?: string;
}

/** The name of the event carrying the grade (GenAI semantic conventions `gen_ai.evaluation.result`). */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

/** `gen_ai.evaluation.score.label` of a reward: `pass` at 1, `fail` at 0 or below, else `partial`; `error` without a verdict. */
export function scoreLabel(reward: number | null): string {
  if (reward === null) return 'error';
  if (reward >= 1) return 'pass';
  return reward <= 0 ? 'fail' : 'partial';
}

const time = (iso: string | undefined, fallback: Date): Date => {
  const parsed = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(parsed) ? fallback : new Date(parsed);
};

/** Attributes without the undefined/null values (OTel drops them with a warning). */
function defined(attributes: Record<string, unknown>): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    kept[key] = value as Attributes[string];
  }
  return kept;
}

function chatSpan(tracer: Tracer, parent: Span, step: TraceStep, agent: RunSpanAgent, at: Date) {
  const model = step.model ?? agent.model ?? 'unknown';
  const usage = step.usage;
  const span = tracer.startSpan(
    `chat ${model}`,
    {
      kind: SpanKind.CLIENT,
      startTime: time(step.started_at, at),
      attributes: defined({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': agent.provider,
        'gen_ai.request.model': agent.model ?? model,
        'gen_ai.response.model': step.model,
        'gen_ai.response.finish_reasons': step.finish_reason ? [step.finish_reason] : undefined,
        'gen_ai.usage.input_tokens': usage?.prompt_tokens,
        'gen_ai.usage.output_tokens': usage?.completion_tokens,
        'gen_ai.usage.cache_read.input_tokens': usage?.cached_tokens,
        'hud.step_id': step.step_id,
        'hud.cost_usd': usage?.cost_usd,
        'hud.tool_calls': step.tool_calls?.length ?? 0,
      }),
    },
    trace.setSpan(context.active(), parent),
  );
  if (step.error) span.setStatus({ code: SpanStatusCode.ERROR, message: step.error });
  span.end(time(step.ended_at, at));
}

function toolSpan(tracer: Tracer, parent: Span, step: TraceStep, at: Date) {
  const call = step.call as NonNullable<TraceStep['call']>;
  const span = tracer.startSpan(
    `execute_tool ${call.name}`,
    {
      kind: SpanKind.INTERNAL,
      startTime: time(step.started_at, at),
      attributes: defined({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': call.name,
        'gen_ai.tool.call.id': call.id,
        'gen_ai.tool.type': 'function',
        'hud.step_id': step.step_id,
      }),
    },
    trace.setSpan(context.active(), parent),
  );
  if (step.result?.isError || step.error) {
    span.setAttribute('error.type', 'tool_error');
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: step.error ?? 'the tool reported an error',
    });
  }
  span.end(time(step.ended_at, at));
}

/**
 * Records one finished run as OpenTelemetry spans following the GenAI semantic conventions: an
 * `invoke_agent <agent>` root span over the run (`gen_ai.operation.name`, `gen_ai.agent.name`,
 * `gen_ai.request.model`, `gen_ai.conversation.id` = the trace id, summed `gen_ai.usage.*`) with the
 * grade as a `gen_ai.evaluation.result` event (`gen_ai.evaluation.score.value` = reward); a `chat <model>`
 * child per agent step (`gen_ai.usage.input_tokens`/`output_tokens`/`cache_read.input_tokens`,
 * `gen_ai.response.finish_reasons`); an `execute_tool <name>` child per tool step. Our own attributes are
 * `hud.*` (trace, job, task, group, status, stop reason, reward, cost in USD). Times come from the steps
 * (ISO-8601) and the record. No prompt or completion text is recorded (it may hold secrets).
 * Call it with the run's OTel trace id set on the tracer's id generator ({@link RunIdGenerator}) so the
 * OTel trace id is the hud trace id.
 */
export function recordRunSpans(
  tracer: Tracer,
  record: RunRecord,
  steps: readonly TraceStep[],
  agent: RunSpanAgent,
): void {
  const started = time(record.started_at, new Date());
  const ended = time(record.ended_at, started);
  const root = tracer.startSpan(
    `invoke_agent ${agent.name}`,
    {
      kind: SpanKind.INTERNAL,
      startTime: started,
      root: true,
      attributes: defined({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': agent.name,
        'gen_ai.provider.name': agent.provider,
        'gen_ai.request.model': agent.model ?? undefined,
        'gen_ai.conversation.id': record.trace_id,
        'gen_ai.usage.input_tokens': record.usage.prompt_tokens,
        'gen_ai.usage.output_tokens': record.usage.completion_tokens,
        'gen_ai.usage.cache_read.input_tokens': record.usage.cached_tokens,
        'hud.trace_id': record.trace_id,
        'hud.job_id': record.job_id,
        'hud.task.slug': record.slug,
        'hud.task.env': record.task.env,
        'hud.task.id': record.task.id,
        'hud.group_id': record.group_id,
        'hud.group_index': record.group_index,
        'hud.status': record.status,
        'hud.stop_reason': record.stop_reason,
        'hud.reward': record.reward,
        'hud.cost_usd': record.usage.cost_usd,
        'hud.llm_call_count': record.usage.llm_call_count,
      }),
    },
    context.active(),
  );
  for (const step of steps) {
    if (step.source === 'agent') chatSpan(tracer, root, step, agent, started);
    else if (step.source === 'tool' && step.call) toolSpan(tracer, root, step, started);
  }
  const subscores = record.grade?.subscores;
  root.addEvent(
    EVALUATION_EVENT,
    defined({
      'gen_ai.evaluation.name': 'hud.grade',
      'gen_ai.evaluation.score.value': record.reward,
      'gen_ai.evaluation.score.label': scoreLabel(record.reward),
      'gen_ai.evaluation.explanation':
        typeof record.grade?.content === 'string' ? record.grade.content : undefined,
      'hud.grade.subscores': subscores ? JSON.stringify(subscores) : undefined,
      'hud.grade.is_error': record.grade?.isError === true,
    }),
    ended,
  );
  if (record.error) {
    root.setAttribute('error.type', record.status);
    root.setStatus({ code: SpanStatusCode.ERROR, message: record.error });
  }
  root.end(ended);
}
