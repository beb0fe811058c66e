import {
  type JsonObject,
  type PromptMessage,
  promptMessages,
  type ToolResult,
  type TraceStep,
} from '@hud/protocol';
import { RL_EXPORT_SCHEMA, type RlExportLine, type RlMessage } from './export-rl-schema.js';
import { type GroupStatsOptions, groupStats } from './group-stats.js';
import type { RunRecord } from './run-record.js';
import type { JobStore } from './store.js';

function partText(part: JsonObject): string {
  if (part.type === 'text' && typeof part.text === 'string') return part.text;
  // Base64 images would bloat a training file; a marker keeps the position and the type.
  if (part.type === 'image') {
    return typeof part.mimeType === 'string' ? `[image ${part.mimeType}]` : '[image]';
  }
  return JSON.stringify(part);
}

function userMessages(messages: readonly PromptMessage[]): RlMessage[] {
  return messages.map((message) => ({
    role: message.role,
    content: partText(message.content as JsonObject),
  }));
}

function resultText(result: ToolResult | undefined): string {
  if (!result) return '';
  if (result.content.length === 0 && result.structuredContent) {
    return JSON.stringify(result.structuredContent);
  }
  return result.content.map((part) => partText(part as JsonObject)).join('\n');
}

function assistantMessage(step: TraceStep): RlMessage {
  const message: RlMessage = { role: 'assistant', content: step.content ?? '' };
  if (step.reasoning) message.reasoning_content = step.reasoning;
  if (step.tool_calls?.length) {
    message.tool_calls = step.tool_calls.map((call) => ({
      id: call.id,
      type: 'function' as const,
      function: {
        name: call.name,
        arguments:
          typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      },
    }));
  }
  return message;
}

/**
 * One run as an RL export line ({@link RlExportLine}): the prompt (the trace's user messages before the
 * first agent step, else the record's `prompt`), the completion (agent turns with their tool calls, tool
 * results as `tool` messages, later user messages), the reward, the given advantage and the token samples
 * of agent steps that captured them. `task` steps (setup/grade calls) and system errors are not messages.
 */
export function rlExportLine(
  record: RunRecord,
  steps: readonly TraceStep[],
  advantage: number | null,
): RlExportLine {
  const prompt: RlMessage[] = [];
  const completion: RlMessage[] = [];
  const samples: NonNullable<RlExportLine['samples']> = [];
  let model: string | null = null;
  for (const step of steps) {
    if (step.source === 'user') {
      (completion.length === 0 ? prompt : completion).push(...userMessages(step.messages ?? []));
    } else if (step.source === 'agent') {
      completion.push(assistantMessage(step));
      model ??= step.model ?? null;
      if (step.sample?.output_token_ids?.length) samples.push(step.sample);
    } else if (step.source === 'tool' && step.call) {
      completion.push({
        role: 'tool',
        tool_call_id: step.call.id,
        name: step.call.name,
        content: resultText(step.result),
      });
    }
  }
  if (prompt.length === 0 && record.prompt !== null) {
    prompt.push(...userMessages(promptMessages(record.prompt)));
  }
  return {
    schema: RL_EXPORT_SCHEMA,
    prompt,
    completion,
    reward: record.grade !== null && record.grade.isError !== true ? record.reward : null,
    advantage,
    group_id: record.group_id,
    group_index: record.group_index,
    task: record.slug,
    trace_id: record.trace_id,
    job_id: record.job_id,
    status: record.status,
    stop_reason: record.stop_reason,
    model,
    ...(samples.length > 0 ? { samples } : {}),
  };
}

/** Options of {@link exportRl}: the advantage's form ({@link GroupStatsOptions}). */
export type ExportRlOptions = GroupStatsOptions;

/**
 * The RL export of job `jobId` of `store`, one {@link RlExportLine} per slot (its verdict, else its latest
 * attempt), in run order, with advantages from {@link groupStats} over the job's runs. Reads one trace at
 * a time; a run without a trace file (it never started) exports with no messages but its prompt.
 * @throws HudEvalError `job_not_found`, `store_corrupt` from the store.
 * @example
 * for await (const line of exportRl(new JobStore('.hud/jobs'), jobId)) out.write(`${JSON.stringify(line)}\n`);
 */
export async function* exportRl(
  store: JobStore,
  jobId: string,
  options: ExportRlOptions = {},
): AsyncGenerator<RlExportLine> {
  const job = await store.loadJob(jobId);
  const { advantages } = groupStats(job.runs, options);
  for (const record of job.runs) {
    const steps = await store.readTrace(record.trace_id, { jobId }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'job_not_found') return [];
      throw error;
    });
    yield rlExportLine(record, steps, advantages.get(record.trace_id)?.advantage ?? null);
  }
}
