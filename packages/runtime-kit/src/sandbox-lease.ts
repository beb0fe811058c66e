import type { RuntimeLease } from '@hud/protocol';

/** What a runtime hands a {@link SandboxLease}. */
export interface SandboxLeaseOptions<Logs extends string | Promise<string>> {
  /** The control URL, `tcp://<host>:<port>`. */
  url: string;
  /** The vendor's sandbox id. */
  sandboxId: string;
  /** The startup limit the runtime waited for `hello`, seconds (`params.ready_timeout`). */
  readyTimeoutS: number;
  /** Aborted when the sandbox dies before release (its reason: the runtime's error). */
  signal: AbortSignal;
  /** The sandbox's last output lines. */
  output: () => Logs;
  /** Removes the sandbox; called once. */
  release: () => Promise<void>;
}

/**
 * A rollout's vendor sandbox: its control URL plus the sandbox id and its last output. Disposing it (or
 * `close()`) removes the sandbox. `Logs` is `string` where the output is kept locally, `Promise<string>`
 * where it is read from the vendor.
 */
export class SandboxLease<Logs extends string | Promise<string>> implements RuntimeLease {
  /** The control URL, `tcp://<host>:<port>`. */
  readonly url: string;
  /** `{provider: <provider>, instance_id: <sandbox id>, ready_timeout: <seconds>}` (hud-python's runtime params). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The vendor's sandbox id. */
  readonly sandboxId: string;
  readonly #signal: AbortSignal;
  readonly #output: () => Logs;
  readonly #release: () => Promise<void>;
  #released: Promise<void> | undefined;

  /** @param provider the runtime's name in `params.provider`, e.g. `e2b`. */
  constructor(provider: string, options: SandboxLeaseOptions<Logs>) {
    this.url = options.url;
    this.sandboxId = options.sandboxId;
    this.params = {
      provider,
      instance_id: options.sandboxId,
      ready_timeout: options.readyTimeoutS,
    };
    this.#signal = options.signal;
    this.#output = options.output;
    this.#release = options.release;
  }

  /**
   * Aborted when the sandbox (or what the runtime keeps open to it) ends, or it outlives
   * `limits.run_timeout_s`, before release; the reason is the runtime's error with the last output lines.
   */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** The sandbox's last output lines. */
  logs(): Logs {
    return this.#output();
  }

  /**
   * Removes the sandbox (the runtime's release: retried vendor calls; an already gone sandbox is fine).
   * Idempotent: later calls return the first call's promise.
   * @throws the runtime's error when the vendor keeps refusing.
   */
  close(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
