import type { JobEvent, JobStore, RunRecord } from '@hud/eval';

/** What `hud eval` needs of the OpenTelemetry export while a job runs. */
export interface EvalOtel {
  /** Told every job event; exports each run as it ends. */
  onEvent(event: JobEvent): void;
  /** Waits for the runs being read, flushes the spans and stops (bounded by the exporter's timeout). */
  finish(): Promise<void>;
}

/** Whether the OTLP export is on: `--otel`/`--no-otel`, else whether an OTLP endpoint variable is set. */
export function otelWanted(
  flag: boolean | undefined,
  settings: Readonly<Record<string, string | undefined>>,
): boolean {
  if (flag !== undefined) return flag;
  return Boolean(
    settings.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ||
      settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
}

/**
 * The OpenTelemetry export of `hud eval` (`@hud/eval/otel`, loaded only when on): each run's trace is read
 * from the store when the run ends and recorded as spans, which leave in batches over OTLP/HTTP as
 * configured by the standard `OTEL_EXPORTER_OTLP_*` variables (`settings`). Spans the exporter could not
 * deliver are one warning at the end; they never fail the eval.
 * @throws HudEvalError `invalid_argument` for a malformed OTEL_* variable (before any run starts).
 */
export async function startEvalOtel(options: {
  settings: Readonly<Record<string, string | undefined>>;
  store: JobStore;
  agent: { name: string; model: string | null };
  say: (line: string) => void;
  warn: (line: string) => void;
}): Promise<EvalOtel> {
  const { OtelRunExporter, otlpConfig, otlpTraceExporter } = await import('@hud/eval/otel');
  const config = otlpConfig(options.settings);
  const exporter = new OtelRunExporter({
    exporter: otlpTraceExporter(config),
    serviceName: config.serviceName,
    resourceAttributes: config.resourceAttributes,
  });
  options.say(`OpenTelemetry: spans of each rollout to ${config.url} (${config.protocol})`);
  const pending = new Set<Promise<void>>();
  const exportRun = async (record: RunRecord) => {
    const steps = await options.store
      .readTrace(record.trace_id, { jobId: record.job_id })
      .catch(() => []);
    exporter.exportRun(record, steps, options.agent);
  };
  return {
    onEvent(event) {
      if (event.type !== 'run-end') return;
      const job = exportRun(event.run).finally(() => pending.delete(job));
      pending.add(job);
    },
    async finish() {
      await Promise.allSettled(pending);
      await exporter.shutdown();
      const { spans, error } = exporter.undelivered();
      if (spans > 0) {
        options.warn(
          `OpenTelemetry: ${spans} span${spans === 1 ? '' : 's'} not delivered to ${config.url}${error ? ` (${error})` : ''}`,
        );
      }
    },
  };
}
