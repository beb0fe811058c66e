import type { LeaseState } from './lease.js';

/** A lease the heartbeat keeps alive, and what to do when the gateway takes it back. */
export interface BeatingLease {
  leaseId: string;
  /** The lease's time to live, seconds; the heartbeat runs every (shortest TTL) / 3. */
  ttlS: number;
  /** Called once, with `cancelled` (the rollout was cancelled) or `lost` (the lease is no longer ours). */
  onEnd(state: Exclude<LeaseState, 'active'>): void;
}

/** Options of {@link Heartbeat}. */
export interface HeartbeatOptions {
  /** `POST /v2/workers/heartbeat`: each lease's state. @throws on failure (then retried next beat). */
  send(leaseIds: readonly string[]): Promise<Map<string, LeaseState>>;
  /** Reports a failed beat (`undefined` once beats go through again): one line per state change. */
  onTrouble(error: unknown | undefined): void;
}

/**
 * Heartbeats every lease a worker holds in one request, every (shortest lease TTL) / 3 (contract: a lease
 * not heartbeated within its TTL expires and its rollout goes to another worker). A lease the gateway
 * answers `cancelled` or `lost` for is dropped from the beat and its `onEnd` called. A beat that fails
 * (gateway unreachable) is retried at the next tick; the leases keep running meanwhile.
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #leases = new Map<string, BeatingLease>();
  #timer: NodeJS.Timeout | undefined;
  #intervalMs = 0;
  #inFlight = false;
  #troubled = false;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  /** Starts beating for `lease` (the timer runs while any lease is held). */
  add(lease: BeatingLease): void {
    this.#leases.set(lease.leaseId, lease);
    this.#reschedule();
  }

  /** Stops beating for `leaseId` (its rollout ended). */
  remove(leaseId: string): void {
    this.#leases.delete(leaseId);
    this.#reschedule();
  }

  /** The leases being heartbeated. */
  get size(): number {
    return this.#leases.size;
  }

  /** Stops the timer and forgets every lease. */
  stop(): void {
    this.#leases.clear();
    this.#reschedule();
  }

  /** Sends one beat now (the timer calls this); never throws. */
  async beat(): Promise<void> {
    if (this.#inFlight || this.#leases.size === 0) return;
    this.#inFlight = true;
    const ids = [...this.#leases.keys()];
    try {
      const states = await this.#options.send(ids);
      if (this.#troubled) {
        this.#troubled = false;
        this.#options.onTrouble(undefined);
      }
      for (const id of ids) {
        const state = states.get(id);
        const lease = this.#leases.get(id);
        if (!lease || state === undefined || state === 'active') continue;
        this.remove(id);
        lease.onEnd(state);
      }
    } catch (error) {
      if (!this.#troubled) {
        this.#troubled = true;
        this.#options.onTrouble(error);
      }
    } finally {
      this.#inFlight = false;
    }
  }

  #reschedule(): void {
    const ttls = [...this.#leases.values()].map((lease) => lease.ttlS);
    const intervalMs = ttls.length === 0 ? 0 : Math.max(200, (Math.min(...ttls) * 1000) / 3);
    if (intervalMs === this.#intervalMs) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#intervalMs = intervalMs;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => void this.beat(), intervalMs);
      this.#timer.unref();
    }
  }
}
