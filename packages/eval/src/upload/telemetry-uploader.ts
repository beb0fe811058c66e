import { messageOf } from '../errors.js';
import type { LifecycleReport } from './lifecycle.js';
import { type SendPolicy, sendJson, UploadError } from './send.js';
import type { HudSpan } from './span.js';

/** Options of {@link TelemetryUploader}. URLs have no trailing slash. */
export interface TelemetryUploaderOptions {
  /** Where spans go (`HUD_TELEMETRY_URL`, e.g. `https://telemetry.hud.ai/v3/api`): `<url>/trace/{id}/telemetry-upload`. */
  telemetryUrl: string;
  /** Where lifecycle reports go (`HUD_API_URL`, e.g. `https://api.hud.ai`): `<url>/v2/trace/…`. */
  apiUrl: string;
  /** `HUD_API_KEY`, sent as `Authorization: Bearer …`; never part of a message. */
  apiKey: string;
  /** Requests in flight at once, each for a different trace (default 8, hud-python's workers). */
  workers?: number;
  /** Most spans per request (default 100, hud-python's batch). */
  batchSpans?: number;
  /** Most bytes of spans per request (default 4 MiB, hud-python's batch). */
  batchBytes?: number;
  /**
   * Most spans held in memory waiting to go (default 10,000). Spans pushed beyond it are not kept: with
   * `reload` their trace is read again when its turn comes (nothing is lost); without it they are counted
   * as not uploaded.
   */
  maxQueuedSpans?: number;
  /**
   * Every span of trace `traceId` in the order they were pushed (e.g. read back from the job store), for
   * spans that did not fit in memory.
   */
  reload?: (traceId: string) => Promise<readonly HudSpan[]>;
  /** Retries of one request after its first attempt (default 6: about 12 s of backoff). */
  retries?: number;
  /** First backoff, ms (default 250; doubling, randomised). */
  minRetryMs?: number;
  /** Longest backoff, ms (default 4,000). */
  maxRetryMs?: number;
  /** Per-attempt time limit, ms (default 30,000). */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** What an uploader sent and did not (counts since it was created). */
export interface UploadSummary {
  /** Spans the platform acknowledged. */
  spansSent: number;
  /** Lifecycle reports the platform acknowledged. */
  reportsSent: number;
  /** Spans given up on (platform down, a refused batch, a flush out of time). */
  spansUnsent: number;
  /** Lifecycle reports given up on. */
  reportsUnsent: number;
  /** Requests that failed for good. */
  failures: number;
  /** The first reason something was not uploaded (names the request, never the key); undefined when none. */
  failure: string | undefined;
}

interface ReportItem {
  kind: 'report';
  url: string;
  body: string;
}

/** A run of spans of one trace: positions `from + taken` to `from + count` of everything pushed for it. */
interface SpansItem {
  kind: 'spans';
  from: number;
  count: number;
  taken: number;
  /** The spans not sent yet, in order (empty while spilled). */
  spans: HudSpan[];
  /** Dropped from memory: `reload` brings them back when the item's turn comes. */
  spilled: boolean;
  /** Spans in the request in flight (0 when none). */
  inFlight: number;
}

interface Lane {
  key: string;
  items: (ReportItem | SpansItem)[];
  busy: boolean;
}

/**
 * A background uploader of spans (spec §8.3: `POST {telemetry}/trace/{task_run_id}/telemetry-upload`
 * `{"telemetry": [span…]}`) and lifecycle reports (§8.4: `POST {api}/v2/trace/…`), with the key as Bearer.
 *
 * Work is kept in one FIFO lane per trace (reports and spans in the order given, so `enter` → spans →
 * `exit`); a lane has one request in flight at a time, and up to `workers` lanes send at once. Spans go in
 * batches of at most `batchSpans` / `batchBytes`. `spans()` and `report()` return at once and never throw:
 * a rollout is never held up. Memory is bounded by `maxQueuedSpans` (see there). A request is retried with
 * backoff on network failures and 429/502/503/504; when it still fails the platform is taken as
 * unreachable and the uploader stops (everything queued is counted as not uploaded); a 401/403 stops it
 * too; another refusal drops that one request. {@link flush} waits for the queue with a time limit.
 */
export class TelemetryUploader {
  readonly #options: TelemetryUploaderOptions;
  readonly #policy: SendPolicy;
  readonly #workers: number;
  readonly #batchSpans: number;
  readonly #batchBytes: number;
  readonly #maxQueued: number;
  readonly #fetch: typeof fetch;
  readonly #lanes = new Map<string, Lane>();
  /**
   * Spans pushed per trace so far (the position of the next one, what `reload` is sliced by); kept when
   * a trace's lane empties, only while `reload` is set (one number per trace).
   */
  readonly #pushed = new Map<string, number>();
  /** Lanes with work and no request in flight, in turn order. */
  readonly #ready: Lane[] = [];
  readonly #abort = new AbortController();
  readonly #idleWaiters = new Set<() => void>();
  #active = 0;
  #queued = 0;
  #stopped: string | undefined;
  readonly #summary: UploadSummary = {
    spansSent: 0,
    reportsSent: 0,
    spansUnsent: 0,
    reportsUnsent: 0,
    failures: 0,
    failure: undefined,
  };

  constructor(options: TelemetryUploaderOptions) {
    this.#options = options;
    this.#workers = options.workers ?? 8;
    this.#batchSpans = options.batchSpans ?? 100;
    this.#batchBytes = options.batchBytes ?? 4 * 1024 * 1024;
    this.#maxQueued = options.maxQueuedSpans ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
    this.#policy = {
      retries: options.retries ?? 6,
      minRetryMs: options.minRetryMs ?? 250,
      maxRetryMs: options.maxRetryMs ?? 4_000,
      timeoutMs: options.requestTimeoutMs ?? 30_000,
    };
  }

  /** Spans held in memory waiting to go (at most `maxQueuedSpans`, plus the reloaded trace being sent). */
  get queuedSpans(): number {
    return this.#queued;
  }

  /** Counts so far. */
  summary(): UploadSummary {
    return { ...this.#summary };
  }

  /** Queues lifecycle report `report` on lane `lane` (a trace id, or e.g. `job:<id>`). */
  report(lane: string, report: LifecycleReport): void {
    if (this.#stopped !== undefined) {
      this.#summary.reportsUnsent++;
      return;
    }
    const item: ReportItem = {
      kind: 'report',
      url: `${this.#options.apiUrl}${report.path}`,
      body: JSON.stringify(report.body),
    };
    this.#enqueue(this.#lane(lane), item);
  }

  /** Queues spans of trace `traceId` (the task run id), in order after what was queued for it before. */
  spans(traceId: string, spans: readonly HudSpan[]): void {
    if (spans.length === 0) return;
    if (this.#stopped !== undefined) {
      this.#summary.spansUnsent += spans.length;
      return;
    }
    const lane = this.#lane(traceId);
    const last = lane.items.at(-1);
    const item: SpansItem =
      last?.kind === 'spans'
        ? last
        : {
            kind: 'spans',
            from: this.#pushed.get(traceId) ?? 0,
            count: 0,
            taken: 0,
            spans: [],
            spilled: false,
            inFlight: 0,
          };
    if (this.#options.reload)
      this.#pushed.set(traceId, (this.#pushed.get(traceId) ?? 0) + spans.length);
    item.count += spans.length;
    if (!item.spilled && this.#queued + spans.length <= this.#maxQueued) {
      item.spans.push(...spans);
      this.#queued += spans.length;
    } else if (this.#options.reload) {
      this.#queued -= item.spans.length;
      item.spans = [];
      item.spilled = true;
    } else {
      item.count -= spans.length;
      this.#summary.spansUnsent += spans.length;
      this.#fail(`${spans.length} span(s) of trace ${traceId} dropped: the upload queue is full`);
    }
    if (item !== last && item.count > 0) this.#enqueue(lane, item);
  }

  /**
   * Resolves once everything queued was sent or given up on, or after `timeoutMs`; on the time limit the
   * uploader stops (requests in flight are aborted, the rest counted as not uploaded). Returns the counts.
   */
  async flush(timeoutMs: number): Promise<UploadSummary> {
    if (!this.#idle()) {
      let resolveIdle = () => {};
      const idle = new Promise<void>((resolve) => {
        resolveIdle = resolve;
        this.#idleWaiters.add(resolve);
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([idle, timedOut]);
      clearTimeout(timer);
      this.#idleWaiters.delete(resolveIdle);
      if (outcome === 'timeout') {
        const reason = `the upload did not finish within ${timeoutMs} ms`;
        if (this.#stopped === undefined) this.#fail(reason);
        this.#stop(reason);
        await new Promise<void>((resolve) => {
          if (this.#idle()) resolve();
          else this.#idleWaiters.add(resolve);
        });
      }
    }
    return this.summary();
  }

  #lane(key: string): Lane {
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { key, items: [], busy: false };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  #enqueue(lane: Lane, item: ReportItem | SpansItem): void {
    lane.items.push(item);
    if (!lane.busy && lane.items.length === 1) this.#ready.push(lane);
    this.#pump();
  }

  #idle(): boolean {
    return this.#active === 0 && this.#ready.length === 0;
  }

  #pump(): void {
    while (this.#active < this.#workers && this.#ready.length > 0) {
      const lane = this.#ready.shift() as Lane;
      lane.busy = true;
      this.#active++;
      void this.#work(lane).finally(() => {
        lane.busy = false;
        this.#active--;
        if (lane.items.length > 0) this.#ready.push(lane);
        else this.#lanes.delete(lane.key);
        this.#pump();
        if (this.#idle()) for (const resolve of [...this.#idleWaiters]) resolve();
      });
    }
  }

  /** Sends the next request of `lane` (a report, or one batch of its first spans item). */
  async #work(lane: Lane): Promise<void> {
    const item = lane.items[0];
    if (!item) return;
    if (item.kind === 'report') {
      // In flight: a stop meanwhile leaves this report for this code to count.
      try {
        await this.#send(item.url, item.body);
        this.#summary.reportsSent++;
      } catch (error) {
        this.#summary.reportsUnsent++;
        this.#failed(error);
      }
      if (lane.items[0] === item) lane.items.shift();
      return;
    }
    if (item.spilled) {
      const reloaded = await this.#reload(lane.key, item);
      // Stopped while reading: the stop counted the item.
      if (this.#stopped !== undefined) return;
      if (!reloaded) {
        if (lane.items[0] === item) lane.items.shift();
        return;
      }
    }
    const batch: string[] = [];
    let bytes = 0;
    for (const span of item.spans) {
      const text = JSON.stringify(span);
      const full = batch.length >= this.#batchSpans || bytes + text.length > this.#batchBytes;
      if (batch.length > 0 && full) break;
      batch.push(text);
      bytes += text.length + 1;
    }
    const url = `${this.#options.telemetryUrl}/trace/${encodeURIComponent(lane.key)}/telemetry-upload`;
    item.inFlight = batch.length;
    let sent = false;
    try {
      await this.#send(url, `{"telemetry":[${batch.join(',')}]}`);
      sent = true;
    } catch (error) {
      this.#failed(error);
    }
    item.inFlight = 0;
    if (sent) this.#summary.spansSent += batch.length;
    else this.#summary.spansUnsent += batch.length;
    // Stopped meanwhile: the stop counted the rest of the lane.
    if (this.#stopped !== undefined) return;
    item.taken += batch.length;
    if (!item.spilled) {
      item.spans.splice(0, batch.length);
      this.#queued -= batch.length;
    }
    if (item.taken >= item.count && lane.items[0] === item) lane.items.shift();
  }

  /** Brings a spilled item's spans back with `reload`; false (counted as not uploaded) when that fails. */
  async #reload(traceId: string, item: SpansItem): Promise<boolean> {
    let all: readonly HudSpan[];
    try {
      all = await (this.#options.reload as NonNullable<TelemetryUploaderOptions['reload']>)(
        traceId,
      );
    } catch (error) {
      if (this.#stopped === undefined) {
        this.#summary.spansUnsent += item.count - item.taken;
        this.#fail(`spans of trace ${traceId} could not be read again: ${messageOf(error)}`);
      }
      return false;
    }
    if (this.#stopped !== undefined) return false;
    const spans = all.slice(item.from + item.taken, item.from + item.count);
    const missing = item.count - item.taken - spans.length;
    if (missing > 0) {
      this.#summary.spansUnsent += missing;
      this.#fail(`${missing} span(s) of trace ${traceId} were missing when read again`);
      item.count -= missing;
    }
    item.spans = spans;
    item.spilled = false;
    this.#queued += spans.length;
    return spans.length > 0;
  }

  #send(url: string, body: string): Promise<void> {
    if (this.#stopped !== undefined) {
      return Promise.reject(new UploadError('aborted', `upload stopped: ${this.#stopped}`));
    }
    return sendJson(url, body, {
      apiKey: this.#options.apiKey,
      policy: this.#policy,
      signal: this.#abort.signal,
      fetch: this.#fetch,
    });
  }

  #fail(message: string): void {
    this.#summary.failures++;
    this.#summary.failure ??= message;
  }

  #failed(error: unknown): void {
    if (UploadError.isInstance(error) && error.code === 'aborted') return;
    this.#fail(messageOf(error));
    if (
      UploadError.isInstance(error) &&
      (error.code === 'unavailable' || error.code === 'unauthorized')
    ) {
      this.#stop(messageOf(error));
    }
  }

  /** Stops for good: aborts what is in flight, and counts everything still queued as not uploaded. */
  #stop(reason: string): void {
    if (this.#stopped !== undefined) return;
    this.#stopped = reason;
    this.#abort.abort(new UploadError('aborted', reason));
    for (const lane of this.#lanes.values()) {
      for (const [index, item] of lane.items.entries()) {
        // A busy lane's first item is being worked on: its request in flight counts itself.
        if (index === 0 && lane.busy) {
          if (item.kind === 'spans')
            this.#summary.spansUnsent += item.count - item.taken - item.inFlight;
        } else {
          this.#dropUnsent(item);
        }
      }
      lane.items = [];
    }
    this.#ready.length = 0;
    this.#queued = 0;
  }

  #dropUnsent(item: ReportItem | SpansItem): void {
    if (item.kind === 'report') this.#summary.reportsUnsent++;
    else this.#summary.spansUnsent += item.count - item.taken;
  }
}
