import type { RuntimeLease } from '@hud/protocol';

/**
 * A rollout's Daytona sandbox: its control URL (`tcp://127.0.0.1:<port>`, a local end of the SSH
 * forward) plus the sandbox id and its logs. Disposing it (or `close()`) deletes the sandbox.
 */
export class DaytonaLease implements RuntimeLease {
  /** `tcp://127.0.0.1:<local port>`. */
  readonly url: string;
  /** `{provider: 'daytona', instance_id: <sandbox id>, ready_timeout: <seconds>}`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The Daytona sandbox id. */
  readonly sandboxId: string;
  readonly #signal: AbortSignal;
  readonly #output: () => Promise<string>;
  readonly #release: () => Promise<void>;
  #released: Promise<void> | undefined;

  /** @internal leases come from a {@link DaytonaRuntime}. */
  constructor(options: {
    url: string;
    sandboxId: string;
    readyTimeoutS: number;
    signal: AbortSignal;
    output: () => Promise<string>;
    release: () => Promise<void>;
  }) {
    this.url = options.url;
    this.sandboxId = options.sandboxId;
    this.params = {
      provider: 'daytona',
      instance_id: options.sandboxId,
      ready_timeout: options.readyTimeoutS,
    };
    this.#signal = options.signal;
    this.#output = options.output;
    this.#release = options.release;
  }

  /**
   * Aborted when the SSH session to the sandbox drops or the sandbox outlives `limits.run_timeout_s`
   * before release; the reason is a DaytonaRuntimeError with the last output lines.
   */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** The last output lines of the environment's command in the sandbox (`getSessionCommandLogs`; `''` when unavailable). */
  logs(): Promise<string> {
    return this.#output();
  }

  /**
   * Deletes the sandbox (`sandbox.delete`, retried on 429/5xx; an already gone sandbox is fine). Idempotent:
   * later calls return the first call's promise.
   * @throws DaytonaRuntimeError when Daytona keeps refusing.
   */
  close(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
