// Test helper: spans in hud-python 0.6.16's wire shape (spec §8.2).
import { randomBytes } from 'node:crypto';

/** A 32-hex task run id (`uuid4().hex`). */
export function runId(): string {
  return randomBytes(16).toString('hex');
}

/** A `hud.step.v1` span of `taskRunId` for a step `payload` (`source`, `step_id`, …). */
export function stepSpan(
  taskRunId: string,
  payload: Record<string, unknown>,
  options: { start?: string; spanId?: string } = {},
): Record<string, unknown> {
  const start = options.start ?? new Date().toISOString().replace('Z', '123Z');
  return {
    name: `step.${String(payload.source ?? 'agent')}`,
    trace_id: taskRunId,
    span_id: options.spanId ?? randomBytes(8).toString('hex'),
    parent_span_id: null,
    kind: 'INTERNAL',
    start_time: start,
    end_time: start,
    status_code: payload.error ? 'ERROR' : 'OK',
    status_message: (payload.error as string | undefined) ?? null,
    attributes: {
      'hud.schema': 'hud.step.v1',
      'hud.task_run_id': taskRunId,
      'hud.payload': payload,
    },
    events: [],
  };
}
