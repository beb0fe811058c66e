import type { TraceStep } from '@hud/protocol';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { RunRecord } from '../run-record.js';
import { type RunSpanAgent, recordRunSpans } from './run-spans.js';

const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * Random ids, except the next trace id when one is set: a run's root span gets the run's hud trace id
 * (32 hex digits, as OTel's), so the same id finds the run in hud and in an OTel backend.
 */
export class RunIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  /** The trace id the next root span gets (then cleared); undefined for a random one. */
  next: string | undefined;

  generateTraceId(): string {
    const id = this.next;
    this.next = undefined;
    return id ?? this.#random.generateTraceId();
  }

  generateSpanId(): string {
    return this.#random.generateSpanId();
  }
}

/** Spans an exporter could not deliver (see {@link OtelRunExporter.undelivered}). */
export interface UndeliveredSpans {
  /** How many spans were not delivered. */
  spans: number;
  /** The last export error's message, when there was one. */
  error: string | undefined;
}

/** `inner`, counting the spans of every export that did not succeed. */
function counting(inner: SpanExporter, failed: UndeliveredSpans): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          failed.spans += spans.length;
          failed.error = result.error?.message ?? failed.error;
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush ? { forceFlush: () => (inner.forceFlush as () => Promise<void>)() } : {}),
  };
}

/** Options of {@link OtelRunExporter}. */
export interface OtelRunExporterOptions {
  /** Where spans go: an OTLP exporter ({@link otlpTraceExporter}), an `InMemorySpanExporter`… */
  exporter: SpanExporter;
  /** `service.name` of the resource; default `hud`. */
  serviceName?: string;
  /** More resource attributes (`OTEL_RESOURCE_ATTRIBUTES`, parsed by the caller). */
  resourceAttributes?: Record<string, string>;
  /** Export each span as it ends instead of in batches (tests, short runs); default false. */
  simple?: boolean;
}

/**
 * Exports finished runs as OpenTelemetry spans ({@link recordRunSpans}) through a tracer provider of its
 * own (the global OTel API is not touched, so an application's own OTel setup is left alone). Spans are
 * batched (`BatchSpanProcessor`) unless `simple`; {@link shutdown} flushes them.
 * @example
 * const otel = new OtelRunExporter({ exporter: otlpTraceExporter(otlpConfig(process.env)) });
 * otel.exportRun(record, steps, { name: 'claude', model: 'claude-sonnet-4-5' });
 * await otel.shutdown();
 */
export class OtelRunExporter {
  readonly #ids = new RunIdGenerator();
  readonly #provider: TracerProvider;
  readonly #undelivered: UndeliveredSpans = { spans: 0, error: undefined };

  constructor(options: OtelRunExporterOptions) {
    const exporter = counting(options.exporter, this.#undelivered);
    const processor = options.simple
      ? new SimpleSpanProcessor({ exporter })
      : new BatchSpanProcessor({ exporter });
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({
        ...options.resourceAttributes,
        'service.name': options.serviceName ?? 'hud',
      }),
      idGenerator: this.#ids,
      spanProcessors: [processor],
    });
  }

  /** Records run `record` (with its trace `steps`) as spans; they leave with the next batch. */
  exportRun(record: RunRecord, steps: readonly TraceStep[], agent: RunSpanAgent): void {
    this.#ids.next = TRACE_ID.test(record.trace_id) ? record.trace_id : undefined;
    try {
      recordRunSpans(this.#provider.getTracer('@hud/eval'), record, steps, agent);
    } finally {
      this.#ids.next = undefined;
    }
  }

  /** The spans the exporter failed to deliver so far (after its own retries), and the last error. */
  undelivered(): UndeliveredSpans {
    return { ...this.#undelivered };
  }

  /**
   * Sends the spans recorded so far. Never rejects: a failed export is counted in {@link undelivered}.
   */
  async flush(): Promise<void> {
    await this.#provider.forceFlush().catch((error: Error) => this.#failed(error));
  }

  /** Flushes and stops; later {@link exportRun} calls record nothing. Never rejects (see {@link flush}). */
  async shutdown(): Promise<void> {
    await this.#provider.shutdown().catch((error: Error) => this.#failed(error));
  }

  #failed(error: Error): void {
    this.#undelivered.error ??= error.message;
  }
}
