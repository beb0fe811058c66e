import type { RuntimeLease, RuntimeLogLine } from '@hud/protocol';
import type { HudContainer } from './container.js';

/**
 * A rollout's container, leased from a {@link DockerRuntime}: its control URL (`tcp://127.0.0.1:<port>`)
 * plus the container's id, liveness and logs. Disposing it (or `close()`) releases the container: its
 * removal (`docker rm --force`) runs in the background (see {@link DockerLease.removed}); containers are
 * never reused.
 */
export class DockerLease implements RuntimeLease {
  /** `tcp://127.0.0.1:<host port>` of the container's control port. */
  readonly url: string;
  /**
   * `{provider: 'docker', instance_id: <container id>, ready_timeout: <seconds>}` (hud-python's known
   * runtime param keys): `ready_timeout` is `limits.startup_timeout_s` (else the provider's readiness
   * limit), read by `HudClient.connect`.
   */
  readonly params: Readonly<Record<string, unknown>>;
  /** The full container id. */
  readonly containerId: string;
  /** The image it runs. */
  readonly image: string;
  readonly #container: HudContainer;
  readonly #died: AbortSignal;
  readonly #release: () => Promise<void>;
  #removal: Promise<void> | undefined;

  /** @internal leases come from a {@link DockerRuntime}. */
  constructor(options: {
    container: HudContainer;
    readyTimeoutS: number;
    died: AbortSignal;
    release: () => Promise<void>;
  }) {
    const { container } = options;
    this.#container = container;
    this.#died = options.died;
    this.#release = options.release;
    this.url = container.url as string;
    this.containerId = container.id;
    this.image = container.image;
    this.params = {
      provider: 'docker',
      instance_id: container.id,
      ready_timeout: options.readyTimeoutS,
    };
  }

  /**
   * Aborted when the container stops before release (its CMD exited or crashed, `limits.run_timeout_s`
   * passed); the reason is a DockerRuntimeError (`exited` or `run_timeout`, phase `running`) carrying the
   * container's last log lines. Rollouts append it to "env closed connection".
   */
  get signal(): AbortSignal {
    return this.#died;
  }

  /** The container's last 2 000 log lines with their times (the job store's LOGS); never rejects. */
  async logLines(): Promise<RuntimeLogLine[]> {
    const lines = await this.#container.logLines();
    return lines.map((line) => ({ ...line, source: 'container' as const }));
  }

  /** The container's last `lines` log lines (default 50). */
  logs(lines?: number): Promise<string> {
    return this.#container.logs(lines);
  }

  /**
   * Releases the container and resolves at once: its removal runs in the background (the provider's
   * close() waits for it; a failure is logged and reported there). Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.#removal ??= this.#release();
    return Promise.resolve();
  }

  /**
   * Releases the container (as {@link close}) if that was not done yet, and resolves once the engine has
   * removed it.
   * @throws DockerRuntimeError `docker_unavailable` or the engine's refusal.
   */
  removed(): Promise<void> {
    this.#removal ??= this.#release();
    return this.#removal;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
