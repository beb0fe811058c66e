/**
 * `hud eval`'s upload to the HUD platform (a hosted one or `hud gateway`): with `HUD_API_KEY` set and
 * telemetry not disabled, the job's lifecycle reports and trace spans go up while it runs (the
 * `JobUploader` of `@hud/eval`, reading the local job store, which is written first and in full), the job's
 * URL is printed when it starts, and the end waits for the upload a bounded time and sums up what did not go
 * in one warning line. Nothing here fails the eval or prints the key.
 */
import {
  FileTrackingDefaults,
  type FileTrackingOptions,
  type JobEvent,
  type JobStore,
  JobUploader,
  type UploadSummary,
} from '@hud/eval';
import { platformClient } from './client.js';

/** How long the end of `hud eval` waits for the upload, ms (hud-python flushes 30 s at exit, spec §8.3). */
export const UPLOAD_FLUSH_MS = 30_000;

/** What `hud eval` calls while a job runs. */
export interface EvalUpload {
  /** Pass every job event (prints the job URL on `job-start`); returns at once. */
  onEvent(event: JobEvent): void;
  /** File tracking for `taskset.run`: its spans go up with the rest (spec §3.7). */
  fileTracking: FileTrackingOptions;
  /** Waits for the upload (at most `timeoutMs`) and warns once when something was not uploaded. */
  finish(timeoutMs?: number): Promise<UploadSummary>;
}

/**
 * Whether telemetry is on: `HUD_TELEMETRY_ENABLED` (default true, spec Appendix A) is not one of `0`,
 * `false`, `no`, `off` (any case).
 */
export function telemetryEnabled(settings: Record<string, string | undefined>): boolean {
  const value = settings.HUD_TELEMETRY_ENABLED?.trim().toLowerCase();
  return !(value && ['0', 'false', 'no', 'off'].includes(value));
}

/**
 * The file-tracking poll period from `HUD_FILE_TRACKING_INTERVAL` (seconds, default 2.0), ms; a value that
 * is not a positive number is warned about and the default used.
 */
export function fileTrackingIntervalMs(
  settings: Record<string, string | undefined>,
  warn: (line: string) => void,
): number {
  const raw = settings.HUD_FILE_TRACKING_INTERVAL?.trim();
  if (!raw) return FileTrackingDefaults.intervalMs;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    warn(
      `HUD_FILE_TRACKING_INTERVAL must be a positive number of seconds, got '${raw}': using ${FileTrackingDefaults.intervalMs / 1000}`,
    );
    return FileTrackingDefaults.intervalMs;
  }
  return Math.round(seconds * 1000);
}

/** The one warning line for an incomplete upload, or undefined when everything went. */
export function uploadWarning(summary: UploadSummary, storeDirectory: string): string | undefined {
  const { spansSent, spansUnsent, reportsSent, reportsUnsent } = summary;
  if (spansUnsent === 0 && reportsUnsent === 0 && summary.failures === 0) return undefined;
  return (
    `the upload to the platform is incomplete (${spansUnsent} of ${spansSent + spansUnsent} spans and ` +
    `${reportsUnsent} of ${reportsSent + reportsUnsent} lifecycle reports not sent): ` +
    `${summary.failure ?? 'unknown failure'}; the local job store has the whole job (${storeDirectory})`
  );
}

/**
 * The upload for `hud eval`, or undefined when `HUD_API_KEY` is unset or `HUD_TELEMETRY_ENABLED` is off. URLs
 * come from the settings as `platformClient` derives them (telemetry = `HUD_API_URL` + `/v3/api`, web =
 * `HUD_API_URL` when only that is set). A malformed URL setting is one warning and no upload.
 */
export function startEvalUpload(options: {
  settings: Record<string, string | undefined>;
  store: JobStore;
  /** The agent's model, named in trace `enter` reports. */
  model: string | null;
  /** The agent's name, named in the job's `enter` report. */
  agent?: string | null;
  /** Prints a human line (the job URL). */
  say: (line: string) => void;
  /** Prints a warning line. */
  warn: (line: string) => void;
}): EvalUpload | undefined {
  const { settings, store, say, warn } = options;
  const apiKey = settings.HUD_API_KEY?.trim();
  if (!apiKey || !telemetryEnabled(settings)) return undefined;
  let client: ReturnType<typeof platformClient>;
  try {
    client = platformClient(settings);
  } catch (error) {
    warn(`no upload to the platform: ${(error as Error).message}`);
    return undefined;
  }
  const { urls } = client;
  const uploader = new JobUploader({
    telemetryUrl: urls.telemetry,
    apiUrl: urls.api,
    apiKey,
    model: options.model,
    agent: options.agent ?? null,
    // A self-hosted gateway (HUD_API_URL set) keeps the runs' LOGS and DEBUG lines; the platform has no route.
    ...(settings.HUD_API_URL?.trim()
      ? {
          readSide: (traceId: string, jobId: string, kind: 'logs' | 'events') =>
            store.readTraceSide(traceId, kind, jobId),
        }
      : {}),
    readSteps: (traceId, jobId) => store.readTrace(traceId, { jobId }),
  });
  return {
    fileTracking: {
      onSpan: uploader.onSpan,
      intervalMs: fileTrackingIntervalMs(settings, warn),
    },
    onEvent(event) {
      if (event.type === 'job-start') say(`job: ${urls.web}/jobs/${event.job.id}`);
      uploader.onEvent(event);
    },
    async finish(timeoutMs = UPLOAD_FLUSH_MS) {
      const summary = await uploader.flush(timeoutMs);
      const warning = uploadWarning(summary, store.root);
      if (warning) warn(warning);
      return summary;
    },
  };
}
