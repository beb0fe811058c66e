// `@hud/eval/otel`: finished runs as OpenTelemetry spans (GenAI semantic conventions) over OTLP/HTTP. A
// subpath of its own so that importing `@hud/eval` never loads the OpenTelemetry SDK.
export {
  OTLP_DEFAULT_ENDPOINT,
  type OtlpConfig,
  type OtlpProtocol,
  otlpConfig,
  otlpTraceExporter,
} from './otlp-config.js';
export {
  OtelRunExporter,
  type OtelRunExporterOptions,
  RunIdGenerator,
  type UndeliveredSpans,
} from './run-exporter.js';
export { EVALUATION_EVENT, type RunSpanAgent, recordRunSpans, scoreLabel } from './run-spans.js';
