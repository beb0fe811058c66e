import { createHash } from 'node:crypto';
import { SPAN_PAYLOAD_KEY, SPAN_SCHEMA_KEY, STEP_SCHEMA, type TraceStep } from '@hud/protocol';

/**
 * One span in hud-python 0.6.16's upload shape (`hud.telemetry.span.Span`, spec §8.2): OpenTelemetry-like,
 * with the step in `attributes["hud.payload"]` tagged by `attributes["hud.schema"]`. Times are ISO-8601 UTC
 * with a `Z`; ids are lowercase hex (`trace_id` 32, `span_id` 16).
 */
export interface HudSpan {
  name: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  kind: 'INTERNAL';
  start_time: string;
  end_time: string;
  status_code: 'OK' | 'ERROR';
  status_message: string | null;
  attributes: Record<string, unknown>;
  events: unknown[];
}

const HEX32 = /^[0-9a-f]{32}$/;
/** RFC 4122 `NAMESPACE_URL` (`6ba7b811-9dad-11d1-80b4-00c04fd430c8`), the namespace hud-python hashes in. */
const NAMESPACE_URL = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/**
 * hud-python's `normalize_trace_id` (spec §8.2): the task run id without dashes when that is 32 hex
 * characters (lowercased), else the hex of `uuid5(NAMESPACE_URL, "hud.task_run:" + id)`.
 */
export function normalizeTraceId(taskRunId: string): string {
  const undashed = taskRunId.replaceAll('-', '').toLowerCase();
  if (HEX32.test(undashed)) return undashed;
  const digest = createHash('sha1')
    .update(NAMESPACE_URL)
    .update(`hud.task_run:${taskRunId}`, 'utf8')
    .digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x50;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  return digest.subarray(0, 16).toString('hex');
}

/**
 * The span id of step `stepId` of a task run: 16 hex characters of SHA-256 over `<task run id>:<step id>`.
 * hud-python draws a random one (`uuid4().hex[:16]`); a derived one keeps a re-sent batch (after a lost
 * answer, or from a later process) the same spans, which the platform skips by `span_id`.
 */
export function stepSpanId(taskRunId: string, stepId: number): string {
  return createHash('sha256').update(`${taskRunId}:${stepId}`).digest('hex').slice(0, 16);
}

/** The step without its null/undefined top-level keys (hud-python dumps steps with `exclude_none`). */
function payloadOf(step: TraceStep): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step)) {
    if (value !== null && value !== undefined) payload[key] = value;
  }
  return payload;
}

/**
 * A recorded step as the span hud-python's `Trace.record` emits (spec §8.2): name `step.<source>`,
 * `status_code` `ERROR` with the step's error as message when it has one (else `OK`), start = the step's
 * `started_at` (else its `ended_at`), end = `ended_at` (else now).
 */
export function stepSpan(taskRunId: string, step: TraceStep): HudSpan {
  const end = step.ended_at ?? new Date().toISOString();
  return {
    name: `step.${step.source}`,
    trace_id: normalizeTraceId(taskRunId),
    span_id: stepSpanId(taskRunId, step.step_id),
    parent_span_id: null,
    kind: 'INTERNAL',
    start_time: step.started_at ?? end,
    end_time: end,
    status_code: step.error ? 'ERROR' : 'OK',
    status_message: step.error ?? null,
    attributes: {
      [SPAN_SCHEMA_KEY]: STEP_SCHEMA,
      'hud.task_run_id': taskRunId,
      [SPAN_PAYLOAD_KEY]: payloadOf(step),
    },
    events: [],
  };
}
