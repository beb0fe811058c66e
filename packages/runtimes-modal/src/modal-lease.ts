import type { RuntimeLease } from '@hud/protocol';

/**
 * A rollout's Modal sandbox: its control URL (`tcp://<tunnel host>:<port>`, Modal's raw TCP tunnel
 * of its unencrypted port) plus the sandbox id and its logs. Disposing it (or `close()`) terminates the sandbox.
 */
export class ModalLease implements RuntimeLease {
  /** `tcp://<tunnel host>:<tunnel port>`. */
  readonly url: string;
  /** `{provider: 'modal', instance_id: <sandbox id>, ready_timeout: <seconds>}`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The Modal sandbox id. */
  readonly sandboxId: string;
  readonly #signal: AbortSignal;
  readonly #output: () => Promise<string>;
  readonly #release: () => Promise<void>;
  #released: Promise<void> | undefined;

  /** @internal leases come from a {@link ModalRuntime}. */
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
      provider: 'modal',
      instance_id: options.sandboxId,
      ready_timeout: options.readyTimeoutS,
    };
    this.#signal = options.signal;
    this.#output = options.output;
    this.#release = options.release;
  }

  /**
   * Aborted when the sandbox ends or the sandbox outlives `limits.run_timeout_s`
   * before release; the reason is a ModalRuntimeError with the last output lines.
   */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** The sandbox's last stdout and stderr lines (read since it started). */
  logs(): Promise<string> {
    return this.#output();
  }

  /**
   * Terminates the sandbox (`sandbox.terminate`, retried on 429/5xx; an already gone sandbox is fine). Idempotent:
   * later calls return the first call's promise.
   * @throws ModalRuntimeError when Modal keeps refusing.
   */
  close(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
