import protobuf from 'protobufjs';
import { GatewayError } from '../errors.js';
import type { Span } from '../schemas/span.js';

/**
 * OTLP trace messages as protobufjs JSON descriptors (field numbers from opentelemetry-proto v1
 * `collector/trace/v1/trace_service.proto`, `trace/v1/trace.proto`, `common/v1/common.proto`,
 * `resource/v1/resource.proto`; fields the gateway does not read are left out and skipped on decode).
 */
const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: {
      oneofs: {
        value: {
          oneof: [
            'stringValue',
            'boolValue',
            'intValue',
            'doubleValue',
            'arrayValue',
            'kvlistValue',
            'bytesValue',
          ],
        },
      },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    InstrumentationScope: {
      fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } },
    },
    Event: {
      fields: {
        timeUnixNano: { type: 'fixed64', id: 1 },
        name: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
      },
    },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        events: { rule: 'repeated', type: 'Event', id: 11 },
        status: { type: 'Status', id: 15 },
      },
    },
    ScopeSpans: {
      fields: {
        scope: { type: 'InstrumentationScope', id: 1 },
        spans: { rule: 'repeated', type: 'Span', id: 2 },
      },
    },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
      },
    },
    ExportTraceServiceRequest: {
      fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } },
    },
  },
});

const Request = root.lookupType('ExportTraceServiceRequest');

/**
 * An OTLP/HTTP protobuf body (`application/x-protobuf`) as the OTLP/JSON object it encodes: ids as hex,
 * 64-bit integers as decimal strings, enums as numbers (OTLP/JSON's own rules, so one reader serves both).
 * @throws GatewayError `invalid_request` when the bytes are not an `ExportTraceServiceRequest`.
 */
export function decodeOtlpProtobuf(body: Uint8Array): unknown {
  try {
    return Request.toObject(Request.decode(body), { longs: String, bytes: Array, defaults: false });
  } catch (error) {
    throw new GatewayError(
      'invalid_request',
      `OTLP body is not a protobuf ExportTraceServiceRequest: ${(error as Error).message}`,
    );
  }
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** An id as hex: OTLP/JSON sends hex (some senders base64), protobuf gives bytes. */
function hexId(value: unknown): string {
  if (Array.isArray(value)) return Buffer.from(value as number[]).toString('hex');
  if (typeof value !== 'string') return '';
  if (/^[0-9a-fA-F]*$/.test(value)) return value.toLowerCase();
  return Buffer.from(value, 'base64').toString('hex');
}

function anyValue(value: unknown): unknown {
  if (!isObj(value)) return null;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return list((value.arrayValue as Obj)?.values).map(anyValue);
  if ('kvlistValue' in value) return keyValues((value.kvlistValue as Obj)?.values);
  if ('bytesValue' in value) return hexId(value.bytesValue);
  return null;
}

function keyValues(values: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of list(values)) {
    if (isObj(entry) && typeof entry.key === 'string') out[entry.key] = anyValue(entry.value);
  }
  return out;
}

/** Unix nanoseconds (a decimal string or number) as ISO-8601 UTC with microseconds. */
function isoOfNanos(value: unknown): string {
  const nanos = BigInt(typeof value === 'number' ? Math.trunc(value) : String(value ?? '0'));
  const micros = nanos / 1000n;
  const date = new Date(Number(micros / 1000n));
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, `.${String(micros % 1_000_000n).padStart(6, '0')}Z`);
}

const KINDS = ['INTERNAL', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const STATUS = ['UNSET', 'OK', 'ERROR'] as const;

/**
 * The spans of an OTLP/JSON `ExportTraceServiceRequest` (or a decoded protobuf one) in the gateway's span
 * shape (spec §8.2): hex ids, ISO times, kind and status as names, attributes flattened to JSON values
 * (`intValue` as a number), the resource's attributes under `otel.resource.*` and the scope as
 * `otel.scope.name`. The caller validates each span.
 * @throws GatewayError `invalid_request` when the body has no `resourceSpans` list.
 */
export function otlpSpans(request: unknown): Span[] {
  if (!isObj(request) || !Array.isArray(request.resourceSpans)) {
    throw new GatewayError('invalid_request', 'OTLP body: expected {"resourceSpans": [...]}');
  }
  const spans: Span[] = [];
  for (const resourceSpans of request.resourceSpans) {
    if (!isObj(resourceSpans)) continue;
    const resource: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(
      keyValues(isObj(resourceSpans.resource) ? resourceSpans.resource.attributes : []),
    )) {
      resource[`otel.resource.${key}`] = value;
    }
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      if (!isObj(scopeSpans)) continue;
      const scope = isObj(scopeSpans.scope) ? scopeSpans.scope.name : undefined;
      for (const span of list(scopeSpans.spans)) {
        if (!isObj(span)) continue;
        const status = isObj(span.status) ? span.status : {};
        const parent = hexId(span.parentSpanId);
        spans.push({
          name: String(span.name ?? ''),
          trace_id: hexId(span.traceId),
          span_id: hexId(span.spanId),
          parent_span_id: parent === '' ? null : parent,
          kind: KINDS[Number(span.kind ?? 0)] ?? 'INTERNAL',
          start_time: isoOfNanos(span.startTimeUnixNano),
          end_time: isoOfNanos(span.endTimeUnixNano),
          status_code: STATUS[Number(status.code ?? 0)] ?? 'UNSET',
          status_message:
            typeof status.message === 'string' && status.message ? status.message : null,
          attributes: {
            ...resource,
            ...(typeof scope === 'string' && scope ? { 'otel.scope.name': scope } : {}),
            ...keyValues(span.attributes),
          },
          events: list(span.events)
            .filter(isObj)
            .map((event) => ({
              name: String(event.name ?? ''),
              timestamp: isoOfNanos(event.timeUnixNano),
              attributes: keyValues(event.attributes),
            })),
        });
      }
    }
  }
  return spans;
}
