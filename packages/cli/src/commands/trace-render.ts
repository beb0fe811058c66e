import { Method, type TraceStep } from '@hud/protocol';

const clip = (text: string, width = 160) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
};

function describe(step: TraceStep): string {
  if (step.task_call) {
    const call = step.task_call;
    const summary =
      call.phase === 'evaluate'
        ? `score ${String((call.result as { score?: unknown } | null)?.score ?? '—')}`
        : '';
    return `${call.phase === 'setup' ? Method.TasksStart : Method.TasksGrade} ${call.name} ${clip(JSON.stringify(call.arguments), 80)} ${summary}`;
  }
  if (step.source === 'user' || (step.messages && !step.content)) {
    return (step.messages ?? [])
      .map(
        (message) =>
          `${message.role}: ${clip(String((message.content as { text?: unknown }).text ?? JSON.stringify(message.content)))}`,
      )
      .join(' | ');
  }
  const parts: string[] = [];
  if (step.content) parts.push(clip(step.content));
  for (const call of step.tool_calls ?? [])
    parts.push(
      `→ ${call.name}(${clip(typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments), 80)})`,
    );
  if (step.call) parts.push(`${step.call.name}(${clip(JSON.stringify(step.call.arguments), 80)})`);
  if (step.result) {
    const text = step.result.content
      .map((part) =>
        String(
          (part as { text?: unknown }).text ?? `[${String((part as { type?: unknown }).type)}]`,
        ),
      )
      .join(' ');
    parts.push(`${step.result.isError ? '✗' : '='} ${clip(text, 100)}`);
  }
  if (step.usage)
    parts.push(`(${step.usage.prompt_tokens}+${step.usage.completion_tokens} tokens)`);
  return parts.join(' ') || '(empty)';
}

/** Renders a trace as a step timeline: time since the first step, source, summary, errors. */
export function renderTrace(steps: readonly TraceStep[]): string {
  const first = steps[0]?.started_at ?? steps[0]?.ended_at;
  const origin = first ? Date.parse(first) : 0;
  return steps
    .map((step) => {
      const at = step.ended_at ?? step.started_at;
      const offset = at && origin ? `+${((Date.parse(at) - origin) / 1000).toFixed(3)}s` : '';
      const line = `${String(step.step_id).padStart(3)} ${offset.padStart(9)} ${step.source.padEnd(6)} ${describe(step)}`;
      return step.error ? `${line}\n              error: ${step.error}` : line;
    })
    .join('\n');
}
