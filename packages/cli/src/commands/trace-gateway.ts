import { isRecord, stepsOfSpans } from '@hud/protocol';
import { type PlatformClient, PlatformError } from '../platform/client.js';
import { PlatformTrace, SpanPage, type TraceEvent, TraceEvents } from '../platform/shapes.js';
import { renderTrace } from './trace-render.js';

/** Spans per page of `GET /v2/trace/{id}/spans`. */
const SPAN_PAGE = 1_000;

/**
 * Every span of trace `id` through `GET /v2/trace/{id}/spans` (a `hud gateway` route), page by page;
 * undefined when the platform has no such route (hud.ai: the events route is used instead).
 */
export async function readSpans(
  client: PlatformClient,
  id: string,
): Promise<unknown[] | undefined> {
  const spans: unknown[] = [];
  let cursor: string | undefined;
  do {
    let page: { spans: unknown[]; next_cursor?: string | null | undefined };
    try {
      page = await client.get(`/v2/trace/${encodeURIComponent(id)}/spans`, {
        query: { limit: SPAN_PAGE, cursor },
        schema: SpanPage,
      });
    } catch (error) {
      if (PlatformError.isInstance(error) && error.code === 'not_found') return undefined;
      throw error;
    }
    spans.push(...page.spans);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return spans;
}

const clip = (text: string, width = 160) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
};

/** One `/events` event as a line (what a platform without the spans route gives). */
export function renderEvent(event: TraceEvent): string {
  const text = (value: unknown) =>
    typeof value === 'string' ? value : JSON.stringify(value ?? '');
  const error = typeof event.error === 'string' && event.error ? ` error: ${event.error}` : '';
  switch (event.kind) {
    case 'agent_message': {
      const calls = Array.isArray(event.tool_calls) ? event.tool_calls : [];
      const parts = [event.text ? clip(text(event.text)) : ''];
      for (const call of calls.filter(isRecord)) {
        parts.push(`→ ${String(call.name)}(${clip(text(call.arguments), 80)})`);
      }
      return `agent  ${parts.filter(Boolean).join(' ') || '(empty)'}${error}`;
    }
    case 'tool_result':
      return `tool   ${String(event.name ?? '')} = ${clip(text(event.result), 100)}${error}`;
    case 'task':
      return `task   ${String(event.phase ?? '')} ${String(event.name ?? '')} ${clip(text(event.result), 80)}${error}`;
    default:
      return `${event.kind.padEnd(6)} ${clip(text(event.text))}${error}`;
  }
}

/** The line under the header: what the trace ran and how it ended. */
function outcome(trace: PlatformTrace): string {
  const parts = [
    trace.status ?? 'unknown',
    `reward ${trace.reward == null ? '—' : trace.reward.toFixed(3)}`,
  ];
  if (trace.stop_reason) parts.push(`stop ${trace.stop_reason}`);
  if (trace.cancel_requested) parts.push('cancel requested');
  const what = `${trace.task_slug ?? 'task'}${trace.job_id ? ` in job ${trace.job_id}` : ''}`;
  return `${what}: ${parts.join(', ')}${trace.error ? `\nerror: ${trace.error}` : ''}`;
}

/**
 * `hud trace <id>` against the platform: the trace (`GET /v2/trace/{id}`) and its steps from its spans,
 * rendered as the local timeline ({@link renderTrace}); `--json` prints the steps as JSON lines, as the
 * local store does. A platform without the spans route gets `GET /v2/trace/{id}/events` (spec §9.8).
 * @throws PlatformError (`not_found` for an unknown trace, 401 with the `hud login` hint, …).
 */
export async function gatewayTrace(
  client: PlatformClient,
  traceId: string,
  flags: { json?: boolean },
): Promise<void> {
  const trace = await client.get(`/v2/trace/${encodeURIComponent(traceId)}`, {
    schema: PlatformTrace,
  });
  const spans = await readSpans(client, trace.id);
  if (spans) {
    const steps = stepsOfSpans(spans);
    if (flags.json) {
      for (const step of steps) console.log(JSON.stringify(step));
      return;
    }
    console.log(`trace ${trace.id}: ${steps.length} step${steps.length === 1 ? '' : 's'}`);
    console.log(outcome(trace));
    if (steps.length > 0) console.log(renderTrace(steps));
    return;
  }
  const { events } = await client.get(`/v2/trace/${encodeURIComponent(trace.id)}/events`, {
    schema: TraceEvents,
  });
  if (flags.json) {
    for (const event of events) console.log(JSON.stringify(event));
    return;
  }
  console.log(`trace ${trace.id}: ${events.length} event${events.length === 1 ? '' : 's'}`);
  console.log(outcome(trace));
  for (const event of events) console.log(renderEvent(event));
}
