import pLimit, { type LimitFunction } from 'p-limit';

/** Default model requests in flight at once per provider endpoint (`-c max_concurrent_requests=…`). */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 8;

/**
 * Concurrency limits on model requests, one p-limit queue per provider endpoint (harness name + base
 * URL), shared by every rollout that uses the same instance — so a job of many rollouts keeps at most
 * `concurrency` requests in flight against one provider, however many rollouts run.
 */
export class RequestLimits {
  readonly #limits = new Map<string, LimitFunction>();

  /**
   * Runs `call` when a slot for `key` is free. The latest `concurrency` given for a key wins.
   * @throws what `call` throws; `signal.reason` when aborted while waiting for a slot.
   */
  run<T>(
    key: string,
    concurrency: number,
    call: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    let limit = this.#limits.get(key);
    if (!limit) {
      limit = pLimit(concurrency);
      this.#limits.set(key, limit);
    } else if (limit.concurrency !== concurrency) {
      limit.concurrency = concurrency;
    }
    return limit(() => {
      signal?.throwIfAborted();
      return call();
    });
  }

  /** Requests running and waiting for `key`. */
  stats(key: string): { active: number; pending: number } {
    const limit = this.#limits.get(key);
    return { active: limit?.activeCount ?? 0, pending: limit?.pendingCount ?? 0 };
  }
}

/** The process-wide limits every model agent uses unless given its own. */
export const sharedRequestLimits = new RequestLimits();
