import type { ProvideOptions, TaskRow } from '@hud/protocol';
import type { DockerLease } from './docker-lease.js';
import { DockerPool } from './docker-pool.js';
import type { DockerContainerInfo, DockerRuntimeOptions } from './runtime-types.js';

export type { DockerContainerInfo, DockerRuntimeOptions } from './runtime-types.js';

/**
 * A provider serving each rollout from its own container (docs/architecture.md §4 `docker`): call it with a task row to
 * get a {@link DockerLease}. Holds containers, so close it (or `await using`) when done.
 */
export interface DockerProvider extends AsyncDisposable {
  /**
   * Creates and starts a container for `task`, waits until its control port answers `hello` and leases it.
   * @throws DockerRuntimeError `invalid_argument` (no image for the task, a malformed `runtime_config`),
   *   `unsupported` (compose, GPU types), `image_not_found`, `docker_unavailable`, `start_failed`,
   *   `exited_early` / `not_ready` (with the container's last log lines), `insufficient_storage`,
   *   `closed`; `signal.reason` on abort. The container is removed in every case.
   */
  (task: TaskRow, options?: ProvideOptions): Promise<DockerLease>;
  /** The image given to {@link DockerRuntime}, if any. */
  readonly image: string | undefined;
  /** The `hud.job` label of containers created now. */
  readonly job: string;
  /** Live containers: starting, pooled, leased, and released ones still being removed. */
  readonly containers: readonly DockerContainerInfo[];
  /** Containers created so far (pooled and on demand). */
  readonly createdCount: number;
  /**
   * Fills the prewarm pool for `task`'s configuration and resolves once its containers answer `hello`.
   * Without `prewarm`, does nothing.
   * @throws DockerRuntimeError as the provider does for `task` (a pooled container's failure); `closed`.
   */
  warm(task: TaskRow): Promise<void>;
  /**
   * Resolves once every container released so far is removed (removal runs in the background after a
   * lease's release).
   * @throws DockerRuntimeError `docker_unavailable` or the engine's refusal, for a removal that failed.
   */
  whenRemoved(): Promise<void>;
  /**
   * Removes every container (starting, pooled and leased), waits for the removals still running in the
   * background, and stops watching the engine. Idempotent.
   * @throws DockerRuntimeError when a container could not be removed (it is then left to the reaper).
   */
  close(): Promise<void>;
}

/**
 * Serves each rollout from its own container (docs/architecture.md §4 `docker`; hud-python 0.6.16
 * `DockerRuntime`, spec §6.2): `docker run` of the image with hud's labels (`hud.managed=1`, `hud.job`, `hud.run`, `hud.task`,
 * owner pid and host), the task's resources (`resources.cpu` → NanoCpus, `memory_mb` → Memory, GPU count),
 * the seccomp profile shipped in this package, and the control port published on 127.0.0.1 only (a random
 * host port). Ready when the port answers `hello`; the lease's `params.ready_timeout` carries
 * `limits.startup_timeout_s`; `limits.run_timeout_s` removes the container that long after it was leased.
 * Releasing the lease starts the container's removal in the background and returns at once (the rollout's
 * verdict does not wait for the engine); close() waits for those removals. With `prewarm`, containers are
 * started ahead of demand. The engine sees five requests per rollout (create, attach, start, inspect,
 * remove): the attached output gives the lease's logs without another request and, once an image's
 * containers print `HUD_SERVE_PORT=`, readiness by that line instead of polling the published port; exits
 * are learnt from one event stream per provider.
 *
 * The image's CMD must serve on `0.0.0.0:<port>` inside the container: `hud build` images run
 * `serve(env, {host: '0.0.0.0', port: 8765, insecure: true})`. Serving without a token is safe there
 * because the engine publishes the port on the host's loopback only.
 * @param image the image every task runs; without it, each task's `runtime_config.image`, else
 *   `options.imageFor(task)`.
 * @throws DockerRuntimeError `invalid_argument` for bad options.
 * @example
 * await using provider = DockerRuntime('letter-count:latest');
 * await using runtime = await provider(task);
 * await using client = await HudClient.connect(runtime);
 */
export function DockerRuntime(image?: string, options: DockerRuntimeOptions = {}): DockerProvider {
  const pool = new DockerPool(image, options);
  const provider = (task: TaskRow, provideOptions?: ProvideOptions) =>
    pool.acquire(task, provideOptions);
  return Object.defineProperties(provider, {
    image: { value: pool.image, enumerable: true },
    job: { get: () => pool.job, enumerable: true },
    containers: { get: () => pool.containers, enumerable: true },
    createdCount: { get: () => pool.createdCount, enumerable: true },
    warm: { value: (task: TaskRow) => pool.warm(task) },
    whenRemoved: { value: () => pool.whenRemoved() },
    close: { value: () => pool.close() },
    [Symbol.asyncDispose]: { value: () => pool.close() },
  }) as DockerProvider;
}
