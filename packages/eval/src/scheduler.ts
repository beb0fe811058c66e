/**
 * Runs `worker` over `items` with at most `concurrency` in flight, starting the next item as soon as one
 * finishes. Items are pulled lazily, so memory stays flat however many there are. Once `signal` aborts no
 * new item starts; the call resolves when the running ones finish. `worker` must not throw.
 */
export async function runPool<T>(
  items: Iterator<T>,
  options: { concurrency: number; signal: AbortSignal },
  worker: (item: T) => Promise<void>,
): Promise<void> {
  const lane = async () => {
    while (!options.signal.aborted) {
      const next = items.next();
      if (next.done) return;
      await worker(next.value);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
}
