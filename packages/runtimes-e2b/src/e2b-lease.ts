import type { RuntimeLease } from '@hud/protocol';

/**
 * A rollout's E2B sandbox: its control URL (`tcp://127.0.0.1:<port>`, a local end of the WebSocket
 * bridge) plus the sandbox id and its last output. Disposing it (or `close()`) kills the sandbox.
 */
export class E2BLease implements RuntimeLease {
  /** `tcp://127.0.0.1:<local port>`. */
  readonly url: string;
  /** `{provider: 'e2b', instance_id: <sandbox id>, ready_timeout: <seconds>}`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The E2B sandbox id. */
  readonly sandboxId: string;
  readonly #signal: AbortSignal;
  readonly #output: () => string;
  readonly #release: () => Promise<void>;
  #released: Promise<void> | undefined;

  /** @internal leases come from an {@link E2BRuntime}. */
  constructor(options: {
    url: string;
    sandboxId: string;
    readyTimeoutS: number;
    signal: AbortSignal;
    output: () => string;
    release: () => Promise<void>;
  }) {
    this.url = options.url;
    this.sandboxId = options.sandboxId;
    this.params = {
      provider: 'e2b',
      instance_id: options.sandboxId,
      ready_timeout: options.readyTimeoutS,
    };
    this.#signal = options.signal;
    this.#output = options.output;
    this.#release = options.release;
  }

  /**
   * Aborted when the sandbox's serving command exits or the sandbox outlives `limits.run_timeout_s`
   * before release; the reason is an E2BRuntimeError with the last output lines.
   */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** The last output lines of the commands this runtime started in the sandbox. */
  logs(): string {
    return this.#output();
  }

  /**
   * Kills the sandbox (`Sandbox.kill`, retried on 429/5xx; an already gone sandbox is fine). Idempotent:
   * later calls return the first call's promise.
   * @throws E2BRuntimeError when E2B keeps refusing (the sandbox is then left to its own timeout).
   */
  close(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
