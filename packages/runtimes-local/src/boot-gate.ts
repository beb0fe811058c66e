/** A place in a {@link BootGate}'s queue: cancel it to give up the turn before it comes. */
export interface BootTicket {
  /** Leaves the queue; true when the turn had not come yet (its `start` will never run). */
  cancel(): boolean;
}

/**
 * Bounds how many children load their module graph at once (CPU-bound work: on a machine with fewer
 * cores than booting children they only slow each other down). `enter(start)` runs `start` at once while
 * fewer than `limit` boots are under way, else when an earlier boot calls `leave()` (first come, first
 * served). Each `start` that ran must be matched by exactly one `leave()`.
 * @internal
 */
export class BootGate {
  readonly limit: number;
  #active = 0;
  readonly #queue: (() => void)[] = [];

  /** @param limit boots at once, an integer ≥ 1 or `Infinity` (no bound). */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Runs `start` now, or queues it until a boot leaves. */
  enter(start: () => void): BootTicket {
    if (this.#active < this.limit) {
      this.#active++;
      start();
      return { cancel: () => false };
    }
    this.#queue.push(start);
    return {
      cancel: () => {
        const index = this.#queue.indexOf(start);
        if (index === -1) return false;
        this.#queue.splice(index, 1);
        return true;
      },
    };
  }

  /** Ends one boot; the next queued `start` (if any) runs now. */
  leave(): void {
    const next = this.#queue.shift();
    if (next) {
      next();
      return;
    }
    this.#active = Math.max(0, this.#active - 1);
  }
}
