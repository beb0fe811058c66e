import type { RuntimeLease } from '@hud/protocol';
import type { HudPod } from './pod.js';

/**
 * A rollout's pod, leased from a {@link KubernetesRuntime}: its control URL plus the pod's name, liveness
 * and logs. Disposing it (or `close()`) deletes the pod in the background (see {@link removed}); pods are
 * never reused.
 */
export class KubernetesLease implements RuntimeLease {
  /** `tcp://127.0.0.1:<port>` of the port-forward listener, or `tcp://<pod IP>:<port>` in-cluster. */
  readonly url: string;
  /**
   * `{provider: 'kubernetes', instance_id: '<namespace>/<pod>', ready_timeout: <seconds>}` (hud-python's
   * known runtime param keys).
   */
  readonly params: Readonly<Record<string, unknown>>;
  /** `<namespace>/<pod name>`. */
  readonly pod: string;
  /** The image it runs. */
  readonly image: string;
  readonly #pod: HudPod;
  readonly #died: AbortSignal;
  readonly #release: () => Promise<void>;
  #removal: Promise<void> | undefined;

  /** @internal leases come from a {@link KubernetesRuntime}. */
  constructor(options: {
    pod: HudPod;
    readyTimeoutS: number;
    died: AbortSignal;
    release: () => Promise<void>;
  }) {
    const { pod } = options;
    this.#pod = pod;
    this.#died = options.died;
    this.#release = options.release;
    this.url = pod.url as string;
    this.pod = pod.where;
    this.image = pod.image;
    this.params = {
      provider: 'kubernetes',
      instance_id: pod.where,
      ready_timeout: options.readyTimeoutS,
    };
  }

  /**
   * Aborted when the pod ends before release (its CMD exited, `limits.run_timeout_s` passed, it was
   * deleted) or a port-forward connection dropped; the reason is a KubernetesRuntimeError (`exited`,
   * `run_timeout`, `forward_failed`; phase `running`), with the pod's last log lines where it ended.
   */
  get signal(): AbortSignal {
    return this.#died;
  }

  /** The pod's last `lines` log lines (default 50). */
  logs(lines?: number): Promise<string> {
    return this.#pod.logs(lines);
  }

  /** Releases the pod and resolves at once: its deletion runs in the background. Idempotent. */
  close(): Promise<void> {
    this.#removal ??= this.#release();
    return Promise.resolve();
  }

  /**
   * Releases the pod (as {@link close}) if not done yet, and resolves once the API has deleted it.
   * @throws KubernetesRuntimeError `delete_failed`, `api_unavailable`.
   */
  removed(): Promise<void> {
    this.#removal ??= this.#release();
    return this.#removal;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
