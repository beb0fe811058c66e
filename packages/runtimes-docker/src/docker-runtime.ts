import { randomUUID } from 'node:crypto';
import type { HudLogger, JsonObject, ProvideOptions, TaskRow } from '@hud/protocol';
import Docker from 'dockerode';
import { HudContainer } from './container.js';
import { DockerLease } from './docker-lease.js';
import { DockerRuntimeError } from './errors.js';
import { containerLabels } from './labels.js';
import { containerSettings, mergeRuntimeConfig } from './runtime-config.js';

/** Options of {@link DockerRuntime}. */
export interface DockerRuntimeOptions {
  /** The control port the image's CMD serves on (default 8765, hud-python's). */
  port?: number;
  /** Environment variables of every container (`docker run --env K=V`). */
  envVars?: Readonly<Record<string, string>>;
  /**
   * The provider's own `runtime_config`; each task's is laid over it section by section (hud-python
   * `with_overrides`).
   */
  runtimeConfig?: JsonObject;
  /**
   * The image of a task whose `runtime_config` names none (e.g. the image `hud build` recorded for the
   * task's environment). Ignored when the provider was given an image.
   */
  imageFor?: (task: TaskRow) => string | undefined;
  /**
   * Give containers a network (default true). `false` runs them with `NetworkMode: 'none'`: no egress at
   * all, and, since the engine publishes no ports then, the control port is reached through `docker exec`
   * (a `node` bridge per connection, tens of ms each; the image needs `node` on its PATH).
   */
  network?: boolean;
  /** Apply the seccomp profile and security options of hud-python (default true; see `SECURITY_OPTS`). */
  seccomp?: boolean;
  /** Pull an image that is missing locally (default true, as `docker run` does). */
  pull?: boolean;
  /**
   * How long a container's control port may take to answer `hello`, ms. A task's
   * `limits.startup_timeout_s` wins. Default 120 000.
   */
  readyTimeoutMs?: number;
  /**
   * The `hud.job` label: the job id, or a function read at each acquisition (the CLI learns the id when the
   * job starts). Default: an id of this provider.
   */
  job?: string | (() => string | undefined);
  /** Extra labels on every container. */
  labels?: Readonly<Record<string, string>>;
  /** The engine (default `new Docker()`: `DOCKER_HOST`, else /var/run/docker.sock). */
  docker?: Docker;
  /** Diagnostics (creations, removals); default silent. */
  logger?: HudLogger;
}

/** A container of a {@link DockerProvider}, as {@link DockerProvider.containers} lists it. */
export interface DockerContainerInfo {
  /** Full container id. */
  readonly id: string;
  readonly image: string;
  /** The task it serves. */
  readonly slug: string;
  /** Still starting (not yet answering `hello`) or leased. */
  readonly state: 'starting' | 'leased';
}

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
  /** Live containers (starting and leased). */
  readonly containers: readonly DockerContainerInfo[];
  /** Containers created so far. */
  readonly createdCount: number;
  /** Removes every container (starting and leased) and waits until they are gone. Idempotent. */
  close(): Promise<void>;
}

interface Entry {
  readonly container: HudContainer;
  readonly slug: string;
  leased: boolean;
}

class DockerPool {
  readonly image: string | undefined;
  readonly #options: DockerRuntimeOptions;
  readonly #docker: Docker;
  readonly #ownJob = randomUUID();
  readonly #live = new Map<HudContainer, Entry>();
  /** Creations in flight: awaited by close() so nothing created late escapes removal. */
  readonly #creating = new Set<Promise<unknown>>();
  #created = 0;
  #closing: Promise<void> | undefined;

  constructor(image: string | undefined, options: DockerRuntimeOptions) {
    if (image !== undefined && image.trim() === '') {
      throw new DockerRuntimeError('invalid_argument', 'DockerRuntime: image must not be empty');
    }
    const port = options.port ?? 8765;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new DockerRuntimeError('invalid_argument', `DockerRuntime: bad port ${port}`);
    }
    if (options.readyTimeoutMs !== undefined && !(options.readyTimeoutMs > 0)) {
      throw new DockerRuntimeError(
        'invalid_argument',
        `DockerRuntime: readyTimeoutMs must be positive, got ${options.readyTimeoutMs}`,
      );
    }
    this.image = image;
    this.#options = options;
    this.#docker = options.docker ?? new Docker();
  }

  get job(): string {
    const { job } = this.#options;
    return (typeof job === 'function' ? job() : job) ?? this.#ownJob;
  }

  get containers(): DockerContainerInfo[] {
    return [...this.#live.values()].map(({ container, slug, leased }) => ({
      id: container.id,
      image: container.image,
      slug,
      state: leased ? 'leased' : 'starting',
    }));
  }

  get createdCount(): number {
    return this.#created;
  }

  #imageOf(task: TaskRow, configured: string | undefined): string {
    const image = this.image ?? configured ?? this.#options.imageFor?.(task);
    if (!image) {
      throw new DockerRuntimeError(
        'invalid_argument',
        `no image for task '${task.slug}' (env '${task.env}'): set runtime_config.image on the row, build one with \`hud build <env dir>\`, or pass --runtime docker:<image>`,
      );
    }
    return image;
  }

  async acquire(task: TaskRow, options: ProvideOptions = {}): Promise<DockerLease> {
    this.#checkOpen();
    options.signal?.throwIfAborted();
    const settings = containerSettings(
      mergeRuntimeConfig(this.#options.runtimeConfig, task.runtime_config),
      task.slug,
    );
    const image = this.#imageOf(task, settings.image);
    const creating = HudContainer.create(
      {
        image,
        port: this.#options.port ?? 8765,
        envVars: this.#options.envVars,
        labels: containerLabels({ job: this.job, task: task.slug, extra: this.#options.labels }),
        settings,
        network: this.#options.network ?? true,
        seccomp: this.#options.seccomp ?? true,
        pull: this.#options.pull ?? true,
      },
      { docker: this.#docker },
    );
    this.#creating.add(creating);
    let container: HudContainer;
    try {
      container = await creating;
    } finally {
      this.#creating.delete(creating);
    }
    this.#created++;
    const entry: Entry = { container, slug: task.slug, leased: false };
    this.#live.set(container, entry);
    const logger = this.#options.logger;
    logger?.debug(`DockerRuntime: created ${container.shortId} (${image}) for '${task.slug}'`);
    const timeoutMs = settings.startupTimeoutMs ?? this.#options.readyTimeoutMs ?? 120_000;
    try {
      // Closed or aborted while the engine was creating it: close() may have finished already.
      this.#checkOpen();
      options.signal?.throwIfAborted();
      await container.start();
      if (settings.storageMb !== undefined) await container.checkStorage(settings.storageMb);
      await container.waitReady({ timeoutMs, signal: options.signal });
      this.#checkOpen();
    } catch (error) {
      await this.#remove(container);
      // close() removed it under our feet: say so rather than "exited".
      this.#checkOpen();
      throw error;
    }
    entry.leased = true;
    const died = new AbortController();
    void container.exited.then(async (exit) => {
      if (container.removing) return;
      died.abort(
        new DockerRuntimeError(
          'exited',
          `container ${container.shortId} of '${image}' exited with status ${exit.code} while leased`,
          { phase: 'running', containerId: container.shortId, output: await container.logs() },
        ),
      );
    });
    let runTimer: NodeJS.Timeout | undefined;
    if (settings.runTimeoutMs !== undefined) {
      const limitMs = settings.runTimeoutMs;
      // hud-python: a background `docker rm --force` run_timeout_s after the start.
      runTimer = setTimeout(async () => {
        const output = await container.logs();
        died.abort(
          new DockerRuntimeError(
            'run_timeout',
            `container ${container.shortId} of '${image}' exceeded limits.run_timeout_s (${limitMs / 1000} s) and was removed`,
            { phase: 'running', containerId: container.shortId, output },
          ),
        );
        await this.#remove(container).catch((error) =>
          logger?.warn(`DockerRuntime: removing ${container.shortId}: ${String(error)}`),
        );
      }, limitMs);
      runTimer.unref();
    }
    return new DockerLease({
      container,
      readyTimeoutS: timeoutMs / 1000,
      died: died.signal,
      release: () => {
        clearTimeout(runTimer);
        return this.#remove(container);
      },
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#creating]);
      const results = await Promise.allSettled(
        [...this.#live.keys()].map((container) => this.#remove(container)),
      );
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    })();
    return this.#closing;
  }

  #checkOpen(): void {
    if (this.#closing) throw new DockerRuntimeError('closed', 'DockerRuntime is closed');
  }

  async #remove(container: HudContainer): Promise<void> {
    try {
      await container.remove();
      this.#options.logger?.debug(`DockerRuntime: removed ${container.shortId}`);
    } finally {
      this.#live.delete(container);
    }
  }
}

/**
 * Serves each rollout from its own container (docs/architecture.md §4 `docker`; hud-python 0.6.16
 * `DockerRuntime`, spec §6.2): `docker run` of the image with hud's labels (`hud.managed=1`, `hud.job`, `hud.run`, `hud.task`,
 * owner pid and host), the task's resources (`resources.cpu` → NanoCpus, `memory_mb` → Memory, GPU count),
 * the seccomp profile shipped in this package, and the control port published on 127.0.0.1 only (a random
 * host port). Ready when the port answers `hello`; the lease's `params.ready_timeout` carries
 * `limits.startup_timeout_s`; `limits.run_timeout_s` removes the container that long after it started.
 * Releasing the lease removes the container.
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
    close: { value: () => pool.close() },
    [Symbol.asyncDispose]: { value: () => pool.close() },
  }) as DockerProvider;
}
