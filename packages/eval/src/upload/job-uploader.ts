import type { TraceStep } from '@hud/protocol';
import { messageOf } from '../errors.js';
import type { JobEvent } from '../events.js';
import { jobEnterReport, traceEnterReport, traceExitReport } from './lifecycle.js';
import { type HudSpan, stepSpan } from './span.js';
import {
  TelemetryUploader,
  type TelemetryUploaderOptions,
  type UploadSummary,
} from './telemetry-uploader.js';

/** Options of {@link JobUploader}: the uploader's (its `reload` is built from `readSteps`), plus these. */
export interface JobUploaderOptions extends Omit<TelemetryUploaderOptions, 'reload'> {
  /**
   * The recorded steps of trace `traceId` of job `jobId`, in order: the job store's file, which the runner
   * has written in full before it emits `run-end` (e.g. `(trace, job) => store.readTrace(trace, {jobId: job})`).
   */
  readSteps: (traceId: string, jobId: string) => Promise<readonly TraceStep[]>;
  /** The model named in `trace enter` reports (the agent's), if any. */
  model?: string | null;
  /** The agent's name, sent in the job's `enter` report (a hud-ts extra), if any. */
  agent?: string | null;
  /**
   * The run's side records of the job store (`store.readTraceSide`): when given, a run's `logs` and
   * `events` go to `POST /v2/trace/{id}/logs` (a hud-ts gateway's route; hud-python's platform has none,
   * so leave this unset for it) before its `exit` report.
   */
  readSide?: (traceId: string, jobId: string, kind: 'logs' | 'events') => Promise<unknown[]>;
}

/**
 * Uploads a job to the HUD platform as it runs, from its {@link JobEvent}s (pass {@link JobUploader.onEvent}
 * to `taskset.run({onEvent})`, or call it from your own handler): `job-start` → `POST /v2/trace/job/{id}/enter`;
 * `run-start` → `POST /v2/trace/{trace}/enter`; `run-end` → the trace's steps, read back from the job store,
 * as `hud.step.v1` spans, then `POST /v2/trace/{trace}/exit` (spec §8.2–8.4), all through a
 * {@link TelemetryUploader}. The upload only reads the store: the local record is complete whatever the
 * platform does, and `onEvent` returns at once. Call {@link flush} when the job has ended.
 */
export class JobUploader {
  readonly uploader: TelemetryUploader;
  /**
   * Spans that are not steps (file tracking), uploaded as they come: kept apart from {@link uploader},
   * whose spilled spans are read back from the job store's steps.
   */
  readonly extraUploader: TelemetryUploader;
  readonly #readSteps: JobUploaderOptions['readSteps'];
  readonly #model: string | null;
  readonly #agent: string | null;
  readonly #readSide: JobUploaderOptions['readSide'];
  readonly #pending = new Set<Promise<void>>();
  #jobId: string | undefined;
  #readFailure: string | undefined;

  constructor(options: JobUploaderOptions) {
    const { readSteps, model, agent, readSide, ...rest } = options;
    this.#readSteps = readSteps;
    this.#readSide = readSide;
    this.#model = model ?? null;
    this.#agent = agent ?? null;
    this.uploader = new TelemetryUploader({
      ...rest,
      reload: async (traceId) => this.#spansOf(traceId),
    });
    this.extraUploader = new TelemetryUploader({ ...rest, workers: 2 });
  }

  /**
   * Queues a span that is not a step (a `hud.filetracking.v1` span of trace `traceId`; pass this as
   * `fileTracking.onSpan` of `taskset.run`); never throws, never waits.
   */
  readonly onSpan = (traceId: string, span: HudSpan): void => {
    this.extraUploader.spans(traceId, [span]);
  };

  /** Queues the reports and spans an event calls for; never throws, never waits. */
  readonly onEvent = (event: JobEvent): void => {
    switch (event.type) {
      case 'job-start':
        this.#jobId = event.job.id;
        this.uploader.report(
          `job:${event.job.id}`,
          jobEnterReport({
            id: event.job.id,
            name: event.job.name,
            group: event.job.group,
            tasksetId: event.job.tasksetId,
            agent: this.#agent,
            model: this.#model,
            totalCount: event.progress.total,
          }),
        );
        return;
      case 'run-start':
        if (this.#jobId === undefined) return;
        this.uploader.report(
          event.run.trace_id,
          traceEnterReport({
            traceId: event.run.trace_id,
            jobId: this.#jobId,
            groupId: event.run.group_id,
            slug: event.run.slug,
            model: this.#model,
          }),
        );
        return;
      case 'run-end': {
        const run = event.run;
        const work = this.#spansOf(run.trace_id, run.job_id)
          .then(
            (spans) => this.uploader.spans(run.trace_id, spans),
            (error: unknown) => {
              this.#readFailure ??= `the steps of trace ${run.trace_id} could not be read from the job store: ${messageOf(error)}`;
            },
          )
          .then(() => this.#sideReport(run.trace_id, run.job_id))
          .then(() => this.uploader.report(run.trace_id, traceExitReport(run)));
        this.#pending.add(work);
        void work.finally(() => this.#pending.delete(work));
        return;
      }
      default:
        return;
    }
  };

  /** Queues the run's logs and events (when {@link JobUploaderOptions.readSide} is set and it has any). */
  async #sideReport(traceId: string, jobId: string): Promise<void> {
    const read = this.#readSide;
    if (!read) return;
    const [logs, events] = await Promise.all([
      read(traceId, jobId, 'logs').catch(() => []),
      read(traceId, jobId, 'events').catch(() => []),
    ]);
    if (logs.length === 0 && events.length === 0) return;
    this.uploader.report(traceId, {
      path: `/v2/trace/${encodeURIComponent(traceId)}/logs`,
      body: { logs, events },
    });
  }

  /**
   * Waits, at most `timeoutMs` in all, for every queued report and span to be sent (see
   * {@link TelemetryUploader.flush}), and returns what went and what did not.
   */
  async flush(timeoutMs: number): Promise<UploadSummary> {
    const deadline = performance.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#pending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const remaining = () => Math.max(0, deadline - performance.now());
    const [steps, extra] = await Promise.all([
      this.uploader.flush(remaining()),
      this.extraUploader.flush(remaining()),
    ]);
    const summary: UploadSummary = {
      spansSent: steps.spansSent + extra.spansSent,
      reportsSent: steps.reportsSent,
      spansUnsent: steps.spansUnsent + extra.spansUnsent,
      reportsUnsent: steps.reportsUnsent,
      failures: steps.failures + extra.failures,
      failure: steps.failure ?? extra.failure,
    };
    if (this.#readFailure !== undefined) {
      return {
        ...summary,
        failures: summary.failures + 1,
        failure: summary.failure ?? this.#readFailure,
      };
    }
    return summary;
  }

  async #spansOf(traceId: string, jobId = this.#jobId) {
    if (jobId === undefined) return [];
    const steps = await this.#readSteps(traceId, jobId);
    return steps.map((step) => stepSpan(traceId, step));
  }
}
