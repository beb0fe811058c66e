import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { HudEvalError } from '../errors.js';

/** The OTLP/HTTP encodings: `http/json` or `http/protobuf` (gRPC is not supported). */
export type OtlpProtocol = 'http/json' | 'http/protobuf';

/** Where and how OTLP spans are sent. */
export interface OtlpConfig {
  /** The traces URL, e.g. `http://localhost:4318/v1/traces`. */
  url: string;
  protocol: OtlpProtocol;
  /** Request headers (`OTEL_EXPORTER_OTLP_HEADERS`), e.g. an API key. */
  headers: Record<string, string>;
  /** Per-export timeout, ms. */
  timeoutMillis?: number;
  /** `service.name` (`OTEL_SERVICE_NAME`); default `hud`. */
  serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes: Record<string, string>;
}

/** The OTLP/HTTP default endpoint (OTel specification). */
export const OTLP_DEFAULT_ENDPOINT = 'http://localhost:4318';

/** `k=v,k2=v2` (values percent-decoded, as the OTel spec defines for headers and resource attributes). */
function keyValues(raw: string | undefined, name: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of (raw ?? '').split(',')) {
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    if (at <= 0)
      throw new HudEvalError('invalid_argument', `${name}: '${item.trim()}' is not key=value`);
    try {
      pairs[decodeURIComponent(item.slice(0, at).trim())] = decodeURIComponent(
        item.slice(at + 1).trim(),
      );
    } catch (error) {
      throw new HudEvalError(
        'invalid_argument',
        `${name}: '${item.trim()}' is not percent-encoded`,
        {
          cause: error,
        },
      );
    }
  }
  return pairs;
}

/**
 * The OTLP settings from the standard variables (read from `env`, which the caller passes: the CLI gives
 * its settings): `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (+
 * `/v1/traces`), default `http://localhost:4318/v1/traces`; `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`
 * (`http/protobuf` by default, `http/json`); `OTEL_EXPORTER_OTLP_HEADERS` and `…_TRACES_HEADERS` (the
 * latter win per key); `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT` (ms); `OTEL_SERVICE_NAME`;
 * `OTEL_RESOURCE_ATTRIBUTES`. Source: OpenTelemetry specification, "OTLP Exporter Configuration".
 * @throws HudEvalError `invalid_argument` naming the variable: a `grpc` or unknown protocol, a URL that does
 *   not parse, a malformed header list, a timeout that is not a positive number.
 */
export function otlpConfig(env: Readonly<Record<string, string | undefined>>): OtlpConfig {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const traces = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = value('OTEL_EXPORTER_OTLP_ENDPOINT') ?? OTLP_DEFAULT_ENDPOINT;
  const url = traces ?? `${base.replace(/\/+$/, '')}/v1/traces`;
  const urlName = traces ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new HudEvalError('invalid_argument', `${urlName}: '${url}' is not an http(s) URL`);
  }
  const protocolName = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = value(protocolName) ?? 'http/protobuf';
  if (protocol !== 'http/json' && protocol !== 'http/protobuf') {
    throw new HudEvalError(
      'invalid_argument',
      `${protocolName}: '${protocol}' is not supported (http/protobuf or http/json; hud exports over OTLP/HTTP, not gRPC)`,
    );
  }
  const timeoutName = value('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT')
    ? 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'
    : 'OTEL_EXPORTER_OTLP_TIMEOUT';
  const timeoutRaw = value(timeoutName);
  const timeout = timeoutRaw === undefined ? undefined : Number(timeoutRaw);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new HudEvalError(
      'invalid_argument',
      `${timeoutName}: '${timeoutRaw}' is not a positive number of ms`,
    );
  }
  return {
    url,
    protocol,
    headers: {
      ...keyValues(value('OTEL_EXPORTER_OTLP_HEADERS'), 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...keyValues(value('OTEL_EXPORTER_OTLP_TRACES_HEADERS'), 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    },
    ...(timeout !== undefined ? { timeoutMillis: timeout } : {}),
    serviceName: value('OTEL_SERVICE_NAME') ?? 'hud',
    resourceAttributes: keyValues(value('OTEL_RESOURCE_ATTRIBUTES'), 'OTEL_RESOURCE_ATTRIBUTES'),
  };
}

/** An OTLP/HTTP span exporter for `config` (the OpenTelemetry JS exporters, JSON or protobuf). */
export function otlpTraceExporter(config: OtlpConfig): SpanExporter {
  const options = {
    url: config.url,
    headers: config.headers,
    ...(config.timeoutMillis !== undefined ? { timeoutMillis: config.timeoutMillis } : {}),
  };
  return config.protocol === 'http/json'
    ? new JsonExporter(options)
    : new ProtobufExporter(options);
}
