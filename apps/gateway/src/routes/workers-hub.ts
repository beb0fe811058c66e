import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../http/auth.js';
import type { RolloutQueueStore, TraceChange } from '../store/areas/rollout-queue.js';

/** Hosted-rollout settings of a gateway (the bin's `--lease-ttl`, `--max-attempts`, `--team-concurrency`). */
export interface RolloutOptions {
  /** Seconds a lease lives without a heartbeat (default 30; fractions allowed). */
  leaseTtlSeconds?: number;
  /** Attempts of a rollout before an infrastructure failure is recorded as its error (default 3). */
  maxAttempts?: number;
  /** Most rollouts one team has leased at once (default: no limit). */
  teamConcurrency?: number | null;
  /** How often expired leases are swept, ms (default: a third of the lease TTL, at most 5,000). */
  sweepIntervalMs?: number;
}

/** How long an idle long-poll or stream waits before reading the database again (other gateways' work). */
const POLL_MS = 1_000;

/**
 * The in-process side of hosted rollouts: resolved options, wake-ups for long-polling claims and job
 * streams (submits, retries and verdicts made through this gateway wake them at once; work of other
 * gateways on the same database is seen on the next {@link POLL_MS} poll), and the sweeper that re-queues
 * expired leases on a timer (unref'd, stopped when the app closes). Revoked lease keys drop the key cache.
 */
export class RolloutHub {
  readonly leaseTtlMs: number;
  readonly maxAttempts: number;
  readonly teamLimit: number | null;
  readonly #queue: RolloutQueueStore;
  readonly #authenticator: Authenticator;
  readonly #events = new EventEmitter();
  readonly #closing = new AbortController();
  readonly #sweepMs: number;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(
    queue: RolloutQueueStore,
    authenticator: Authenticator,
    options: RolloutOptions = {},
  ) {
    this.#queue = queue;
    this.#authenticator = authenticator;
    this.leaseTtlMs = Math.round((options.leaseTtlSeconds ?? 30) * 1_000);
    this.maxAttempts = options.maxAttempts ?? 3;
    this.teamLimit = options.teamConcurrency ?? null;
    this.#sweepMs = options.sweepIntervalMs ?? Math.min(5_000, Math.max(50, this.leaseTtlMs / 3));
    this.#events.setMaxListeners(0);
  }

  /** Aborted when the app closes: long-polls and streams end. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Starts the sweeper when `app` is ready; stops it and ends every wait when `app` closes. */
  install(app: FastifyInstance): void {
    app.addHook('onReady', async () => {
      this.#sweeper = setInterval(() => void this.sweep(), this.#sweepMs);
      this.#sweeper.unref();
    });
    app.addHook('preClose', async () => this.stop());
    app.addHook('onClose', async () => this.stop());
  }

  /** Stops the sweeper and wakes every waiter. */
  stop(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    if (!this.#closing.signal.aborted) this.#closing.abort();
  }

  /** One sweep of expired leases (skipped while one runs; a failure waits for the next tick). */
  async sweep(): Promise<void> {
    if (this.#sweeping || this.#closing.signal.aborted) return;
    this.#sweeping = true;
    try {
      const result = await this.#queue.sweep();
      this.publish(result.changes, result.revoked);
    } catch {
      // The database may be briefly unreachable (or closing); the next tick or claim sweeps again.
    } finally {
      this.#sweeping = false;
    }
  }

  /** Announces trace changes (waking job streams, and claims when a rollout is queued again). */
  publish(changes: readonly TraceChange[], revoked = 0): void {
    if (revoked > 0) this.#authenticator.forget();
    let work = false;
    for (const change of changes) {
      this.#events.emit(jobEvent(change.teamId, change.jobId), change);
      if (change.status === 'queued') work = true;
    }
    if (work) this.#events.emit('work');
  }

  /** New work was queued: wake long-polling claims. */
  notifyWork(teamId: string, jobId: string): void {
    this.#events.emit('work');
    this.#events.emit(jobEvent(teamId, jobId));
  }

  /** Calls `listener` with each change of `jobId` published here; returns the unsubscribe. */
  onJobChange(teamId: string, jobId: string, listener: (change: TraceChange) => void): () => void {
    const event = jobEvent(teamId, jobId);
    const relay = (change?: TraceChange) => {
      if (change) listener(change);
    };
    this.#events.on(event, relay);
    return () => this.#events.off(event, relay);
  }

  /** Something of unknown jobs changed (a cancel): wake every stream. */
  notifyAll(): void {
    this.#events.emit('all');
  }

  /** Waits until work may be claimable, `ms` passed, or `signal`/the app is done. */
  waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#wait(['work'], ms, signal);
  }

  /** Waits until `jobId` of `teamId` may have changed, `ms` passed, or `signal`/the app is done. */
  waitForJob(teamId: string, jobId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.#wait([jobEvent(teamId, jobId), 'all'], ms, signal);
  }

  /** The idle poll interval, ms. */
  get pollMs(): number {
    return POLL_MS;
  }

  #wait(events: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const event of events) this.#events.off(event, done);
        this.#closing.signal.removeEventListener('abort', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      for (const event of events) this.#events.once(event, done);
      this.#closing.signal.addEventListener('abort', done, { once: true });
      signal?.addEventListener('abort', done, { once: true });
      if (this.#closing.signal.aborted || signal?.aborted) done();
    });
  }
}

function jobEvent(teamId: string, jobId: string): string {
  return `job:${teamId}:${jobId}`;
}
