import { HudClient, HudError, type ProvideOptions, type TaskRow } from '@hud/protocol';

/**
 * A provider serving each rollout from its own vendor sandbox (the shape of `E2BProvider`,
 * `DaytonaProvider`, `ModalProvider`). Close it (or `await using`) when done.
 */
export interface SandboxProvider<Lease> extends AsyncDisposable {
  /** A sandbox for `task`, ready (its control port answered `hello`). */
  (task: TaskRow, options?: ProvideOptions): Promise<Lease>;
  /** The `hud.job` label of sandboxes created now. */
  readonly job: string;
  /** Ids of the sandboxes alive (created and not yet removed). */
  readonly sandboxes: readonly string[];
  /** Removes every sandbox (leased and starting). Idempotent. */
  close(): Promise<void>;
}

/** The runtime behind a {@link sandboxProvider}: its sandboxes, by id, with the function removing each. */
export interface SandboxPool<Lease> {
  readonly job: string;
  readonly live: ReadonlyMap<string, () => Promise<void>>;
  acquire(task: TaskRow, options?: ProvideOptions): Promise<Lease>;
  close(): Promise<void>;
}

/**
 * `pool` as a provider function: calling it acquires, `job` and `sandboxes` (the ids of `pool.live`) are
 * read live, `close()` and `[Symbol.asyncDispose]()` close the pool.
 */
export function sandboxProvider<Lease>(pool: SandboxPool<Lease>): SandboxProvider<Lease> {
  const provider = (task: TaskRow, options?: ProvideOptions) => pool.acquire(task, options);
  return Object.defineProperties(provider, {
    job: { get: () => pool.job, enumerable: true },
    sandboxes: { get: () => [...pool.live.keys()], enumerable: true },
    close: { value: () => pool.close() },
    [Symbol.asyncDispose]: { value: () => pool.close() },
  }) as SandboxProvider<Lease>;
}

/**
 * Closes a pool: waits for the sandboxes being created (`starting`, settled either way), then removes every
 * sandbox in `live` (read after that wait) at once.
 * @throws the first removal's failure, once all have settled.
 */
export async function removeAll(
  starting: Iterable<Promise<unknown>>,
  live: ReadonlyMap<string, () => Promise<void>>,
): Promise<void> {
  await Promise.allSettled([...starting]);
  const results = await Promise.allSettled([...live.values()].map((remove) => remove()));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * Waits until the control port at `url` (`tcp://host:port`) answers `hello` (retried every 250 ms, no
 * heartbeat), then hangs up.
 * @param readyTimeoutMs how long it may take, ms.
 * @param notReady makes the runtime's error when it did not answer in time (`cause`: the HudError
 *   `not_ready`).
 * @throws `notReady(...)`; `signal.reason` when aborted; any other failure of the connection.
 */
export async function awaitHello(
  url: string,
  options: { readyTimeoutMs: number; signal?: AbortSignal },
  notReady: (cause: unknown) => Error,
): Promise<void> {
  try {
    const client = await HudClient.connect(url, {
      readyTimeoutMs: options.readyTimeoutMs,
      retryIntervalMs: 250,
      heartbeatIntervalMs: 0,
      signal: options.signal,
    });
    await client.close();
  } catch (error) {
    if (HudError.isInstance(error) && error.code === 'not_ready') throw notReady(error);
    throw error;
  }
}
