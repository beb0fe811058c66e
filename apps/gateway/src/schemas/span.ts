import { z } from 'zod';

const hex = (length: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${length}}$`), `expected ${length} hexadecimal characters`);

const isoTime = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), 'expected an ISO-8601 time');

const attributes = z.record(z.string(), z.unknown());

/** An event on a span (hud-python `SpanEvent`): `hud.request`, `hud.result`, `exception`, … */
export const SpanEvent = z.strictObject({
  name: z.string(),
  timestamp: z.string(),
  attributes: attributes.default({}),
});

/**
 * One span as hud-python 0.6.16 uploads it (`hud.telemetry.span.Span`, `extra="forbid"`, spec §8.2):
 * OpenTelemetry-shaped, with the step payload in `attributes["hud.payload"]` tagged by
 * `attributes["hud.schema"]` (`hud.step.v1`, `hud.filetracking.v1`; none for `@instrument` spans).
 * Unknown keys are refused, as hud-python's model refuses them.
 */
export const Span = z.strictObject({
  name: z.string().min(1),
  trace_id: hex(32),
  span_id: hex(16),
  parent_span_id: hex(16).nullable().default(null),
  kind: z.enum(['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']).default('INTERNAL'),
  start_time: isoTime,
  end_time: isoTime,
  status_code: z.enum(['UNSET', 'OK', 'ERROR']).default('UNSET'),
  status_message: z.string().nullable().default(null),
  attributes: attributes.default({}),
  events: z.array(SpanEvent).default([]),
});
/** A validated span. */
export type Span = z.output<typeof Span>;

/**
 * The body of `POST /v3/api/trace/{task_run_id}/telemetry-upload` (spec §8.3): `{"telemetry": [span…]}`.
 * Spans are checked one by one by the route so a rejection names the failing span.
 */
export const TelemetryUpload = z.looseObject({
  telemetry: z.array(z.unknown()).max(100_000),
});
