/** Seconds a rate window spans: limits are per minute. */
const WINDOW_SECONDS = 60;

interface Bucket {
  /** The whole second (Unix time) this bucket counts; stale once it is 60 s or more in the past. */
  second: number;
  requests: number;
  tokens: number;
}

/** How far one key is into its per-minute limits right now. */
export interface WindowUse {
  requests: number;
  tokens: number;
}

/**
 * One key's requests and tokens over the last minute: a sliding window of 60 one-second buckets (a
 * fixed 60 entries per key however busy it is; counts leave the window a second at a time).
 */
export class MinuteWindow {
  readonly #buckets: Bucket[] = Array.from({ length: WINDOW_SECONDS }, () => ({
    second: -Infinity,
    requests: 0,
    tokens: 0,
  }));
  /** The last second anything was counted (for eviction of idle windows). */
  lastSecond = -Infinity;

  #bucket(second: number): Bucket {
    const bucket = this.#buckets[second % WINDOW_SECONDS] as Bucket;
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.requests = 0;
      bucket.tokens = 0;
    }
    this.lastSecond = Math.max(this.lastSecond, second);
    return bucket;
  }

  /** The buckets still inside the window at `second`, oldest first. */
  #live(second: number): Bucket[] {
    return this.#buckets
      .filter((bucket) => bucket.second > second - WINDOW_SECONDS && bucket.second <= second)
      .sort((a, b) => a.second - b.second);
  }

  /** Requests and tokens counted in the minute up to `nowMs`. */
  use(nowMs: number): WindowUse {
    const second = Math.floor(nowMs / 1000);
    let requests = 0;
    let tokens = 0;
    for (const bucket of this.#live(second)) {
      requests += bucket.requests;
      tokens += bucket.tokens;
    }
    return { requests, tokens };
  }

  /**
   * Whole seconds from `nowMs` until the window's `field` count drops below `limit` as old buckets
   * leave it (at least 1).
   */
  secondsUntilBelow(field: 'requests' | 'tokens', limit: number, nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    const live = this.#live(second);
    let total = live.reduce((sum, bucket) => sum + bucket[field], 0);
    for (const bucket of live) {
      total -= bucket[field];
      if (total < limit) {
        return Math.max(1, Math.ceil(((bucket.second + WINDOW_SECONDS) * 1000 - nowMs) / 1000));
      }
    }
    return WINDOW_SECONDS;
  }

  /** Counts one request at `nowMs`. */
  addRequest(nowMs: number): void {
    this.#bucket(Math.floor(nowMs / 1000)).requests += 1;
  }

  /** Counts `tokens` used at `nowMs` (when an answer reported them). */
  addTokens(tokens: number, nowMs: number): void {
    if (tokens > 0) this.#bucket(Math.floor(nowMs / 1000)).tokens += tokens;
  }
}
