import type { TraceStep } from '@hud/protocol';

/**
 * What a QA workflow reviews: one stored trace with its run's outcome. Read from the local job store
 * (`runs.jsonl` + `traces/<id>.jsonl`) or the gateway (`/v2/trace/{id}` + its spans).
 */
export interface QaSubject {
  traceId: string;
  jobId: string | null;
  /** The task's slug (`count-r-strawberry`). */
  slug: string | null;
  /** The `tasks.start` prompt, verbatim (string or messages). */
  prompt: unknown;
  /** The graded answer; null when grading never happened. */
  answer: string | null;
  /** The `tasks.grade` frame (score, subscores, content, info, isError); null without one. */
  grade: unknown;
  reward: number | null;
  status: string | null;
  error: string | null;
  steps: readonly TraceStep[];
  /** The environment's grader source (its env file), when it could be read. */
  graderSource?: string | undefined;
}

/** Longest text kept of one step field, characters; longer text keeps its head and tail. */
const FIELD_CHARS = 4_000;
/** Longest grader source sent, characters. */
const SOURCE_CHARS = 16_000;

function clip(text: string, limit = FIELD_CHARS): string {
  if (text.length <= limit) return text;
  const half = Math.floor(limit / 2);
  return `${text.slice(0, half)}\n…[${text.length - limit} characters cut]…\n${text.slice(-half)}`;
}

const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function contentText(parts: readonly unknown[] | undefined): string {
  return (parts ?? [])
    .map((part) => {
      const item = part as { type?: unknown; text?: unknown };
      if (item.type === 'text' && typeof item.text === 'string') return item.text;
      if (item.type === 'image') return '[image]';
      return json(part);
    })
    .join('\n');
}

function stepLines(step: TraceStep): string {
  const lines = [`### step ${step.step_id} (${step.source})`];
  if (step.messages?.length) {
    for (const message of step.messages) {
      const content = message.content as { type?: unknown; text?: unknown };
      lines.push(
        `${message.role}: ${clip(typeof content.text === 'string' ? content.text : json(content))}`,
      );
    }
  }
  if (step.reasoning) lines.push(`reasoning: ${clip(step.reasoning)}`);
  if (step.content) lines.push(`text: ${clip(step.content)}`);
  for (const call of step.tool_calls ?? []) {
    lines.push(`tool call ${call.name}(${clip(json(call.arguments), 1_000)})`);
  }
  if (step.call) lines.push(`tool ${step.call.name}(${clip(json(step.call.arguments), 1_000)})`);
  if (step.result) {
    lines.push(
      `${step.result.isError ? 'tool error' : 'tool result'}: ${clip(contentText(step.result.content))}`,
    );
  }
  if (step.task_call) {
    lines.push(
      `task ${step.task_call.phase} ${step.task_call.name}: ${clip(json(step.task_call.result))}`,
    );
  }
  if (step.finish_reason) lines.push(`finish reason: ${step.finish_reason}`);
  if (step.error) lines.push(`error: ${clip(step.error)}`);
  return lines.join('\n');
}

/**
 * The trace as the judge reads it: the task, the prompt, every step numbered by its `step_id` (long text
 * cut in the middle), the answer, the grade with its subscores, the outcome and the grader's source.
 */
export function renderSubject(subject: QaSubject): string {
  const sections = [
    `## task\n${subject.slug ?? '(unknown)'}`,
    `## prompt\n${clip(json(subject.prompt ?? ''), 8_000)}`,
    `## steps\n${subject.steps.length ? subject.steps.map(stepLines).join('\n\n') : '(no steps recorded)'}`,
    `## answer\n${subject.answer === null ? '(none)' : clip(subject.answer)}`,
    `## grade\n${subject.grade === null || subject.grade === undefined ? '(no grade)' : clip(JSON.stringify(subject.grade, null, 1), 8_000)}`,
    `## outcome\nstatus ${subject.status ?? 'unknown'}, reward ${subject.reward ?? 'none'}${subject.error ? `, error: ${clip(subject.error, 1_000)}` : ''}`,
  ];
  if (subject.graderSource) {
    sections.push(`## grader source\n${clip(subject.graderSource, SOURCE_CHARS)}`);
  }
  return sections.join('\n\n');
}
