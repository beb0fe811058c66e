import { isRecord } from './guards.js';
import { STEP_SCHEMA, type TraceStep } from './trace.js';

/**
 * Where a step travels inside a span of hud-python's upload format (spec §8.2): `attributes["hud.schema"]`
 * tags it (`hud.step.v1`; `hud.filetracking.v1` and untagged `@instrument` spans are not steps) and
 * `attributes["hud.payload"]` holds it.
 */
export const SPAN_SCHEMA_KEY = 'hud.schema';
/** See {@link SPAN_SCHEMA_KEY}. */
export const SPAN_PAYLOAD_KEY = 'hud.payload';

/**
 * `hud.schema` of file-tracking spans (hud-python 0.6.16, spec §3.7 / §8.2): their payload is a
 * `filetracking/1` result, not a step.
 */
export const FILETRACKING_SCHEMA = 'hud.filetracking.v1';

/**
 * Names of file-tracking spans: the setup changes (`setup` result), the post-setup manifest (`snapshot`),
 * a diff with changes (`diff`, also the final one of `flush`), and the deliverables of `flush` (`capture`).
 */
export const FileTrackingSpanName = {
  Setup: 'filetracking.setup',
  Snapshot: 'filetracking.snapshot',
  Diff: 'filetracking.diff',
  Capture: 'filetracking.capture',
} as const;
/** One of the {@link FileTrackingSpanName} values. */
export type FileTrackingSpanName = (typeof FileTrackingSpanName)[keyof typeof FileTrackingSpanName];

/** The step payload of a `hud.step.v1` span; undefined for any other span and for anything not a span. */
export function stepPayloadOfSpan(span: unknown): Record<string, unknown> | undefined {
  if (!isRecord(span) || !isRecord(span.attributes)) return undefined;
  const payload = span.attributes[SPAN_PAYLOAD_KEY];
  return span.attributes[SPAN_SCHEMA_KEY] === STEP_SCHEMA && isRecord(payload)
    ? payload
    : undefined;
}

/**
 * The steps of a trace from its spans (the inverse of the upload): the payload of every `hud.step.v1` span
 * with a numeric `step_id` and a `source`, in step order. Other spans and malformed entries are left out.
 */
export function stepsOfSpans(spans: readonly unknown[]): TraceStep[] {
  const steps: TraceStep[] = [];
  for (const span of spans) {
    const payload = stepPayloadOfSpan(span);
    if (typeof payload?.step_id !== 'number' || typeof payload.source !== 'string') continue;
    steps.push(payload as unknown as TraceStep);
  }
  return steps.sort((a, b) => a.step_id - b.step_id);
}
