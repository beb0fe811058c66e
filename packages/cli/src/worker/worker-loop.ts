import pRetry from 'p-retry';
import { PlatformError } from '../platform/client.js';
import { Heartbeat } from './heartbeat.js';
import type { Completion, Lease, LeaseState } from './lease.js';
import { type LeaseOutcome, LeaseStop } from './run-lease.js';
import { isUnavailable } from './worker-client.js';

/** The gateway calls a {@link Worker} makes (a `WorkerClient`, or a test's stand-in). */
export interface WorkerCalls {
  claim(capacity: number, waitS: number, signal?: AbortSignal): Promise<Lease[]>;
  heartbeat(leaseIds: readonly string[]): Promise<Map<string, LeaseState>>;
  complete(leaseId: string, completion: Completion): Promise<'recorded' | 'lost'>;
}

/** Options of {@link Worker}. */
export interface WorkerOptions {
  calls: WorkerCalls;
  /** Rollouts at once (`--concurrency`), ≥ 1. */
  concurrency: number;
  /** Runs one lease's rollout; `signal` aborts with a {@link LeaseStop}. Must not throw. */
  run(lease: Lease, signal: AbortSignal): Promise<LeaseOutcome>;
  /** Writes one line (state changes and lease ends); never given a key. */
  log(line: string): void;
  /** Long-poll of a claim, seconds (default 20, the contract's most). */
  waitS?: number;
  /** Backoff while the gateway is unreachable, ms (default 500 doubling to 10 000). */
  backoff?: { minMs: number; maxMs: number };
}

interface Running {
  lease: Lease;
  controller: AbortController;
  done: Promise<void>;
}

/** Most leases one claim asks for (the gateway's limit). */
const MAX_CLAIM = 256;

const plain = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** `slug` (trace …, attempt n) for log lines. */
const describe = (lease: Lease) =>
  `${lease.rollout.slug} (trace ${lease.trace_id}${lease.attempt && lease.attempt > 1 ? `, attempt ${lease.attempt}` : ''})`;

/**
 * A `hud worker`'s loop (issue 16 "Hosted rollouts"; the contract's `/v2/workers/…`): claims leases with a
 * long poll up to its free capacity, runs each lease's rollout, heartbeats every held lease every TTL/3,
 * and reports each verdict. Heartbeat `cancelled` aborts the rollout (it completes `cancelled`), `lost`
 * aborts it and drops its result, as does a 409 on complete. While the gateway is unreachable the claim is
 * retried with backoff (p-retry), one line when it goes away and one when it is back. {@link stop} stops
 * claiming and gives every running lease back (`retry: true`) once its rollout is torn down.
 */
export class Worker {
  readonly #options: WorkerOptions;
  readonly #running = new Map<string, Running>();
  readonly #heartbeat: Heartbeat;
  readonly #claimAbort = new AbortController();
  #stopping = false;
  #wake: (() => void) | undefined;
  #unreachable = false;

  constructor(options: WorkerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new Error(`concurrency must be a whole number ≥ 1, got ${options.concurrency}`);
    this.#options = options;
    this.#heartbeat = new Heartbeat({
      send: (ids) => options.calls.heartbeat(ids),
      onTrouble: (error) =>
        options.log(
          error === undefined
            ? 'heartbeat: the gateway answers again'
            : `heartbeat failed: ${plain(error)} (retrying every beat)`,
        ),
    });
  }

  /** Leases whose rollouts are running. */
  get running(): readonly Lease[] {
    return [...this.#running.values()].map((entry) => entry.lease);
  }

  /**
   * Claims and runs leases until {@link stop}; resolves once stopped and every lease is reported.
   * @throws PlatformError when the gateway refuses the worker's key (`unauthorized`, `forbidden`) or its
   *   claims (another 4xx): running leases are given back first.
   */
  async run(): Promise<void> {
    try {
      while (!this.#stopping) {
        const free = this.#options.concurrency - this.#running.size;
        if (free <= 0) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          continue;
        }
        // The contract's most per claim.
        const leases = await this.#claim(Math.min(free, MAX_CLAIM));
        for (const lease of leases) this.#start(lease);
      }
    } catch (error) {
      if (!this.#stopping) {
        await this.stop();
        throw error;
      }
    } finally {
      await Promise.all([...this.#running.values()].map((entry) => entry.done));
      this.#heartbeat.stop();
    }
  }

  /** Stops claiming and gives every running lease back (`retry: true`); resolves when all are reported. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#claimAbort.abort(new Error('worker stopping'));
      this.#wake?.();
      for (const entry of this.#running.values()) entry.controller.abort(new LeaseStop('shutdown'));
    }
    await Promise.all([...this.#running.values()].map((entry) => entry.done));
  }

  /** One claim, retried with backoff while the gateway is unreachable; [] once stopping. */
  async #claim(capacity: number): Promise<Lease[]> {
    const { backoff = { minMs: 500, maxMs: 10_000 } } = this.#options;
    const signal = this.#claimAbort.signal;
    try {
      const leases = await pRetry(
        () => this.#options.calls.claim(capacity, this.#options.waitS ?? 20, signal),
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: backoff.minMs,
          maxTimeout: backoff.maxMs,
          signal,
          shouldRetry: ({ error }) => isUnavailable(error) && !this.#stopping,
          onFailedAttempt: ({ error }) => {
            if (!isUnavailable(error) || this.#unreachable || this.#stopping) return;
            this.#unreachable = true;
            this.#options.log(
              `gateway unreachable: ${plain(error)} (retrying with backoff; if it stays so, check that the gateway runs there, or --gateway / HUD_API_URL)`,
            );
          },
        },
      );
      if (this.#unreachable) {
        this.#unreachable = false;
        this.#options.log('gateway reachable again');
      }
      return leases;
    } catch (error) {
      if (this.#stopping) return [];
      if (PlatformError.isInstance(error)) throw error;
      throw new PlatformError('bad_response', `claiming leases failed: ${plain(error)}`, {
        cause: error,
      });
    }
  }

  #start(lease: Lease): void {
    const controller = new AbortController();
    if (this.#stopping) controller.abort(new LeaseStop('shutdown'));
    this.#heartbeat.add({
      leaseId: lease.lease_id,
      ttlS: lease.lease_ttl_s,
      onEnd: (state) => {
        this.#options.log(`${describe(lease)}: ${state} by the gateway`);
        controller.abort(new LeaseStop(state));
      },
    });
    this.#options.log(`${describe(lease)}: running`);
    const done = (async () => {
      const outcome = await this.#options.run(lease, controller.signal).catch(
        (error: unknown): LeaseOutcome => ({
          kind: 'complete',
          completion: { status: 'error', error: `worker failure: ${plain(error)}`, retry: true },
        }),
      );
      this.#heartbeat.remove(lease.lease_id);
      await this.#report(lease, outcome);
    })().finally(() => {
      this.#running.delete(lease.lease_id);
      this.#wake?.();
      this.#wake = undefined;
    });
    this.#running.set(lease.lease_id, { lease, controller, done });
  }

  async #report(lease: Lease, outcome: LeaseOutcome): Promise<void> {
    if (outcome.kind === 'drop') {
      this.#options.log(`${describe(lease)}: result dropped (${outcome.reason})`);
      return;
    }
    const { completion } = outcome;
    try {
      const answer = await this.#options.calls.complete(lease.lease_id, completion);
      if (answer === 'lost') {
        this.#options.log(`${describe(lease)}: result dropped (the gateway answered lease_lost)`);
        return;
      }
      const what = completion.retry
        ? `given back (${completion.error ?? 'retry'})`
        : completion.status === 'completed'
          ? `completed, reward ${completion.reward ?? '—'}`
          : `${completion.status}${completion.error ? `: ${completion.error}` : ''}`;
      this.#options.log(`${describe(lease)}: ${what}`);
    } catch (error) {
      this.#options.log(`${describe(lease)}: could not be reported: ${plain(error)}`);
    }
  }
}
