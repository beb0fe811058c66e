import { randomBytes } from 'node:crypto';
import {
  FILETRACKING_SCHEMA,
  FileTrackingSpanName,
  type HudClient,
  type HudLogger,
  isoTimestamp,
  isRecord,
  SPAN_PAYLOAD_KEY,
  SPAN_SCHEMA_KEY,
} from '@hud/protocol';
import { messageOf } from '../errors.js';
import { type HudSpan, normalizeTraceId } from '../upload/span.js';
import { FileTrackingClient, type FileTrackingMethod } from './client.js';

/** Defaults of {@link FileTrackingOptions} (hud-python `HUD_FILE_TRACKING_INTERVAL` 2.0 s, drain 10 s). */
export const FileTrackingDefaults = { intervalMs: 2_000, callTimeoutMs: 10_000 } as const;

/** Options of `taskset.run({fileTracking})`: record `filetracking/1` diffs as spans. */
export interface FileTrackingOptions {
  /** Receives each file-tracking span of trace `traceId` (e.g. `JobUploader.onSpan`); must not throw. */
  onSpan(traceId: string, span: HudSpan): void;
  /** Diff poll period, ms (default 2 000; the CLI passes `HUD_FILE_TRACKING_INTERVAL`). */
  intervalMs?: number;
  /** Longest one call may take before observing stops, ms (default 10 000). */
  callTimeoutMs?: number;
}

/** A span of `hud.filetracking.v1` (spec §8.2): random span id, status OK, the result as payload. */
export function fileTrackingSpan(
  traceId: string,
  name: FileTrackingSpanName,
  payload: Record<string, unknown>,
  startedAt: string,
): HudSpan {
  return {
    name,
    trace_id: normalizeTraceId(traceId),
    span_id: randomBytes(8).toString('hex'),
    parent_span_id: null,
    kind: 'INTERNAL',
    start_time: startedAt,
    end_time: isoTimestamp(),
    status_code: 'OK',
    status_message: null,
    attributes: {
      [SPAN_SCHEMA_KEY]: FILETRACKING_SCHEMA,
      'hud.task_run_id': traceId,
      [SPAN_PAYLOAD_KEY]: payload,
    },
    events: [],
  };
}

class Timeout extends Error {}

/**
 * The rollout-side observer of a `filetracking` binding (hud-python `file_tracking_observer`, spec §3.7).
 * {@link FileTrackingObserver.start} connects through the control channel's forwarder, calls `setup` (when
 * the binding's `params.setup_diff`) or `advance`, then `snapshot`, and polls `diff` every interval;
 * {@link FileTrackingObserver.stop} ends polling and calls `flush`. Spans: `filetracking.setup` (the setup
 * result), `filetracking.snapshot`, `filetracking.diff` (only diffs with `files_changed`, including the one
 * of `flush`), `filetracking.capture` (when `flush` found deliverables). It never throws and never holds up
 * the rollout longer than one call's time limit: any failure or timeout logs a warning and stops observing.
 */
export class FileTrackingObserver {
  readonly #client: FileTrackingClient;
  readonly #traceId: string;
  readonly #options: FileTrackingOptions;
  readonly #logger: HudLogger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #dead = false;
  /** Set by stop(): a poll finishing after it must not schedule another one. */
  #stopping = false;

  private constructor(
    client: FileTrackingClient,
    traceId: string,
    options: FileTrackingOptions,
    logger: HudLogger | undefined,
  ) {
    this.#client = client;
    this.#traceId = traceId;
    this.#options = options;
    this.#logger = logger;
  }

  /**
   * Starts observing the `filetracking` binding of `client`, or returns undefined when there is none, or
   * when connecting, `setup`/`advance` or `snapshot` fails or times out (with a warning).
   */
  static async start(
    client: HudClient,
    traceId: string,
    options: FileTrackingOptions,
    logger?: HudLogger,
  ): Promise<FileTrackingObserver | undefined> {
    const binding = client.manifest?.bindings.find((b) => b.name === 'filetracking');
    if (binding === undefined) return undefined;
    let ft: FileTrackingClient | undefined;
    const limitMs = options.callTimeoutMs ?? FileTrackingDefaults.callTimeoutMs;
    try {
      const local = client.binding('filetracking');
      ft = await within(FileTrackingClient.connect(local), limitMs);
      const observer = new FileTrackingObserver(ft, traceId, options, logger);
      const setupDiff = isRecord(binding.params) && binding.params.setup_diff === true;
      if (setupDiff) {
        await observer.#emitCall('setup', FileTrackingSpanName.Setup, () => true);
      } else {
        await within(ft.call('advance'), limitMs);
      }
      await observer.#emitCall('snapshot', FileTrackingSpanName.Snapshot, () => true);
      observer.#schedule();
      return observer;
    } catch (error) {
      ft?.close();
      logger?.warn(`file tracking failed; not tracking this rollout: ${describe(error)}`);
      return undefined;
    }
  }

  /** Calls `method` within the time limit and emits its result as span `name` when `wanted`. */
  async #emitCall(
    method: FileTrackingMethod,
    name: FileTrackingSpanName,
    wanted: (result: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const startedAt = isoTimestamp();
    const limitMs = this.#options.callTimeoutMs ?? FileTrackingDefaults.callTimeoutMs;
    const result = await within(this.#client.call(method), limitMs);
    if (wanted(result)) this.#emit(name, result, startedAt);
    return result;
  }

  #emit(name: FileTrackingSpanName, payload: Record<string, unknown>, startedAt: string): void {
    try {
      this.#options.onSpan(
        this.#traceId,
        fileTrackingSpan(this.#traceId, name, payload, startedAt),
      );
    } catch (error) {
      this.#logger?.warn(`file tracking: recording a span failed: ${messageOf(error)}`);
    }
  }

  #schedule(): void {
    if (this.#dead || this.#stopping) return;
    const intervalMs = this.#options.intervalMs ?? FileTrackingDefaults.intervalMs;
    this.#timer = setTimeout(() => {
      this.#inFlight = this.#emitCall('diff', FileTrackingSpanName.Diff, changed).then(
        () => {
          this.#inFlight = undefined;
          this.#schedule();
        },
        (error: unknown) => {
          this.#inFlight = undefined;
          this.#die(`diff: ${describe(error)}`);
        },
      );
    }, intervalMs);
    this.#timer.unref();
  }

  #die(reason: string): void {
    if (this.#dead) return;
    this.#dead = true;
    clearTimeout(this.#timer);
    this.#client.close();
    this.#logger?.warn(`file tracking stopped for this rollout: ${reason}`);
  }

  /**
   * Stops polling; with `flush` (the default) waits for a diff in flight, then emits the final diff and
   * capture (each call within the time limit); closes the connection. Never throws.
   */
  async stop(options: { flush?: boolean } = {}): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const flush = options.flush ?? true;
    if (flush) await this.#inFlight;
    if (this.#dead) return;
    this.#dead = true;
    if (flush) {
      const startedAt = isoTimestamp();
      const limitMs = this.#options.callTimeoutMs ?? FileTrackingDefaults.callTimeoutMs;
      try {
        const flushed = await within(this.#client.call('flush'), limitMs);
        if (isRecord(flushed.diff) && changed(flushed.diff)) {
          this.#emit(FileTrackingSpanName.Diff, flushed.diff, startedAt);
        }
        const capture = flushed.capture;
        if (
          isRecord(capture) &&
          (capture.files_captured ||
            capture.files_skipped ||
            capture.files_eligible ||
            capture.truncated)
        ) {
          this.#emit(FileTrackingSpanName.Capture, capture, startedAt);
        }
      } catch (error) {
        this.#logger?.warn(`file tracking flush failed: ${describe(error)}`);
      }
    }
    this.#client.close();
  }
}

function changed(result: Record<string, unknown>): boolean {
  return Boolean(result.files_changed);
}

function describe(error: unknown): string {
  return error instanceof Timeout ? error.message : messageOf(error);
}

/** `work`, or a {@link Timeout} after `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
