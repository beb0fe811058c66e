import { isRecord, stepPayloadOfSpan } from '@hud/protocol';
/**
 * One rendered event of a trace, as `GET /v2/trace/{id}/events` answers `{trace_id, events: [...]}` and
 * hud-python's `hud trace` renders (spec §9.8): `agent_message` (`text`, `reasoning`, `tool_calls`,
 * `error`), `tool_result` (`name`, `result`, `error`), `environment` (`text`: a prompt or a system
 * note). `task` events (`phase`, `name`, `result`) are extra: hud-python skips kinds it does not know.
 * Every event also names its span (`span_id`, `step_id`, `source`, `time`).
 */
export type TraceEvent = {
  kind: 'agent_message' | 'tool_result' | 'environment' | 'task';
  span_id: string;
  step_id: number | null;
  source: string | null;
  time: string;
} & Record<string, unknown>;

type Json = Record<string, unknown>;

/** The text parts of MCP content (a string, a content block, or a list of blocks), joined by newlines. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  const blocks = Array.isArray(content) ? content : [content];
  return blocks
    .filter((block): block is Json => isRecord(block) && block.type === 'text')
    .map((block) => String(block.text ?? ''))
    .join('\n');
}

/** The prompt text of a step's messages. */
function messagesText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  return messages
    .filter(isRecord)
    .map((message) => contentText(message.content))
    .filter(Boolean)
    .join('\n\n');
}

/** The events of one `hud.step.v1` span (none for other spans). */
function stepEvents(span: Json): TraceEvent[] {
  const payload = stepPayloadOfSpan(span);
  if (!payload) return [];
  const base = {
    span_id: String(span.span_id),
    step_id: typeof payload.step_id === 'number' ? payload.step_id : null,
    source: typeof payload.source === 'string' ? payload.source : null,
    time: String(span.start_time),
  };
  const error = typeof payload.error === 'string' ? payload.error : null;
  switch (payload.source) {
    case 'agent':
      return [
        {
          ...base,
          kind: 'agent_message',
          text: payload.content ?? null,
          reasoning: payload.reasoning ?? null,
          tool_calls: Array.isArray(payload.tool_calls) ? payload.tool_calls : [],
          error,
        },
      ];
    case 'tool': {
      const toolMessages = Array.isArray(payload.messages)
        ? payload.messages.filter((message) => isRecord(message) && message.role === 'tool')
        : [];
      if (toolMessages.length > 0) {
        return toolMessages.filter(isRecord).map((message) => ({
          ...base,
          kind: 'tool_result' as const,
          name: message.name ?? message.tool_call_id ?? null,
          result: contentText(message.content),
          error,
        }));
      }
      const call = isRecord(payload.call) ? payload.call : {};
      const result = isRecord(payload.result) ? payload.result : {};
      const text = contentText(result.content);
      return [
        {
          ...base,
          kind: 'tool_result',
          name: call.name ?? null,
          result: text,
          error: error ?? (result.isError === true ? text || 'tool error' : null),
        },
      ];
    }
    case 'task': {
      const call = isRecord(payload.task_call) ? payload.task_call : {};
      return [
        {
          ...base,
          kind: 'task',
          phase: call.phase ?? null,
          name: call.name ?? null,
          result: call.result ?? null,
          error,
        },
      ];
    }
    default: {
      const text = messagesText(payload.messages) || error || '';
      return text ? [{ ...base, kind: 'environment', text, error }] : [];
    }
  }
}

/** The events of a trace's spans (already in order), in that order. */
export function traceEvents(spans: readonly unknown[]): TraceEvent[] {
  return spans.filter(isRecord).flatMap(stepEvents);
}
