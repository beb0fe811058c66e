import { randomUUID } from 'node:crypto';
import type { ProvideOptions, TaskRow } from '@hud/protocol';
import Docker from 'dockerode';
import { HudContainer } from './container.js';
import { DockerLease } from './docker-lease.js';
import { DockerRuntimeError } from './errors.js';
import { ExitWatch } from './exit-watch.js';
import { containerLabels } from './labels.js';
import { abortable, type Plan, planContainer } from './plan.js';
import type { DockerContainerInfo, DockerRuntimeOptions } from './runtime-types.js';

interface Entry {
  readonly container: HudContainer;
  readonly prewarmed: boolean;
  slug: string | undefined;
  state: DockerContainerInfo['state'];
}

/** A container started ahead of need, waiting in the pool. */
interface Pooled {
  readonly key: string;
  /** The `hud.job` label it was created with. */
  readonly job: string;
  /** The container once it answers `hello`; rejects (after removing it) when it fails to. */
  readonly ready: Promise<HudContainer>;
  container: HudContainer | undefined;
  isReady: boolean;
  /** Not to be leased: its container goes as soon as it exists. */
  dropped: boolean;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The containers of one {@link DockerRuntime}: provisions one per acquisition (or hands out one started
 * ahead of need), removes released ones in the background, and removes everything on close.
 * @internal
 */
export class DockerPool {
  readonly image: string | undefined;
  readonly #options: DockerRuntimeOptions;
  readonly #docker: Docker;
  readonly #exits: ExitWatch;
  readonly #prewarm: number;
  readonly #ownJob = randomUUID();
  readonly #live = new Map<HudContainer, Entry>();
  /** Creations in flight: awaited by close() so nothing created late escapes removal. */
  readonly #creating = new Set<Promise<unknown>>();
  /** Containers started ahead of need, oldest first. */
  readonly #idle: Pooled[] = [];
  /** Removals running in the background (released leases, discarded pool containers). */
  readonly #removals = new Set<Promise<void>>();
  /** Background removals that failed, reported by close(). */
  readonly #failures: unknown[] = [];
  /** Images whose containers printed `HUD_SERVE_PORT=`: later ones are awaited by that line, not polled. */
  readonly #announcing = new Set<string>();
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
    const prewarm = options.prewarm ?? 0;
    if (!Number.isInteger(prewarm) || prewarm < 0) {
      throw new DockerRuntimeError(
        'invalid_argument',
        `DockerRuntime: prewarm must be an integer ≥ 0, got ${prewarm}`,
      );
    }
    this.image = image;
    this.#options = options;
    this.#prewarm = prewarm;
    this.#docker = options.docker ?? new Docker();
    this.#exits = new ExitWatch(this.#docker);
  }

  get job(): string {
    const { job } = this.#options;
    return (typeof job === 'function' ? job() : job) ?? this.#ownJob;
  }

  get containers(): DockerContainerInfo[] {
    return [...this.#live.values()].map(({ container, slug, state, prewarmed }) => ({
      id: container.id,
      image: container.image,
      slug,
      state,
      prewarmed,
    }));
  }

  get createdCount(): number {
    return this.#created;
  }

  async acquire(task: TaskRow, options: ProvideOptions = {}): Promise<DockerLease> {
    this.#checkOpen();
    options.signal?.throwIfAborted();
    const plan = this.#plan(task);
    const pooled = this.#take(plan.key);
    const pending = pooled
      ? this.#claim(pooled, options.signal)
      : this.#prepare(plan, { slug: task.slug, prewarmed: false, signal: options.signal });
    this.#fill(plan);
    const container = await pending;
    const entry = this.#live.get(container);
    if (!entry) throw new DockerRuntimeError('closed', 'DockerRuntime is closed');
    entry.state = 'leased';
    entry.slug = task.slug;
    return this.#lease(container, plan);
  }

  async warm(task: TaskRow): Promise<void> {
    this.#checkOpen();
    const plan = this.#plan(task);
    this.#fill(plan);
    await Promise.all(this.#idle.filter((pooled) => pooled.key === plan.key).map((p) => p.ready));
  }

  async whenRemoved(): Promise<void> {
    while (this.#removals.size > 0) await Promise.allSettled([...this.#removals]);
    const failure = this.#failures.shift();
    if (failure !== undefined) throw failure;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#idle.length = 0;
      await Promise.allSettled([...this.#creating]);
      const results = await Promise.allSettled(
        [...this.#live.keys()].map((container) => this.#remove(container)),
      );
      while (this.#removals.size > 0) await Promise.allSettled([...this.#removals]);
      this.#exits.close();
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (this.#failures.length > 0) throw this.#failures[0];
    })();
    return this.#closing;
  }

  #checkOpen(): void {
    if (this.#closing) throw new DockerRuntimeError('closed', 'DockerRuntime is closed');
  }

  #plan(task: TaskRow): Plan {
    return planContainer(task, this.image, this.#options);
  }

  /**
   * Creates, starts and readies a container for `plan` (storage check, `hello`); on any failure removes
   * it before rethrowing.
   */
  async #prepare(
    plan: Plan,
    how: {
      slug: string | undefined;
      prewarmed: boolean;
      signal?: AbortSignal;
      onCreated?: (container: HudContainer) => void;
    },
  ): Promise<HudContainer> {
    // The provider's event stream (one request, once) opens while the engine creates the container.
    void this.#exits.open();
    const creating = HudContainer.create(
      {
        image: plan.image,
        port: this.#options.port ?? 8765,
        envVars: this.#options.envVars,
        labels: containerLabels({ job: this.job, task: how.slug, extra: this.#options.labels }),
        settings: plan.settings,
        network: this.#options.network ?? true,
        seccomp: this.#options.seccomp ?? true,
        pull: this.#options.pull ?? true,
      },
      { docker: this.#docker, exits: this.#exits },
    );
    this.#creating.add(creating);
    let container: HudContainer;
    try {
      container = await creating;
    } finally {
      this.#creating.delete(creating);
    }
    this.#created++;
    const { slug, prewarmed, signal } = how;
    this.#live.set(container, { container, prewarmed, slug, state: 'starting' });
    how.onCreated?.(container);
    this.#options.logger?.debug(
      `DockerRuntime: created ${container.shortId} (${plan.image}) ${prewarmed ? 'ahead of need' : `for '${slug}'`}`,
    );
    try {
      // Closed or aborted while the engine was creating it: close() may have finished already.
      this.#checkOpen();
      signal?.throwIfAborted();
      await container.start();
      void container.announcement().then((yes) => yes && this.#announcing.add(plan.image));
      if (plan.settings.storageMb !== undefined) {
        await container.checkStorage(plan.settings.storageMb);
      }
      await container.waitReady({
        timeoutMs: plan.timeoutMs,
        signal,
        announces: this.#announcing.has(plan.image),
      });
      this.#checkOpen();
    } catch (error) {
      await this.#remove(container);
      // close() removed it under our feet: say so rather than "exited".
      this.#checkOpen();
      throw error;
    }
    return container;
  }

  /** A pooled container for the acquisition: waits until it is ready (or the signal aborts). */
  async #claim(pooled: Pooled, signal: AbortSignal | undefined): Promise<HudContainer> {
    try {
      const container = await abortable(pooled.ready, signal);
      this.#checkOpen();
      return container;
    } catch (error) {
      // A failed one was removed by #prepare; one still starting (or ready) goes now.
      this.#drop(pooled);
      this.#checkOpen();
      throw error;
    }
  }

  /** Takes a pooled container for `key` (a ready one first); drops those of another job. */
  #take(key: string): Pooled | undefined {
    const job = this.job;
    for (const pooled of this.#idle.filter((candidate) => candidate.job !== job)) {
      this.#discard(pooled, `it was created for job ${pooled.job}`);
    }
    const usable = this.#idle.filter(
      (pooled) => pooled.key === key && pooled.container?.exit === undefined,
    );
    const pooled = usable.find((candidate) => candidate.isReady) ?? usable[0];
    if (pooled) this.#idle.splice(this.#idle.indexOf(pooled), 1);
    return pooled;
  }

  /**
   * Tops the pool up to `prewarm` containers for `plan`, making room by discarding pooled containers of
   * other configurations (the pool follows the configuration asked for last).
   */
  #fill(plan: Plan): void {
    if (this.#closing) return;
    let own = this.#idle.filter((pooled) => pooled.key === plan.key).length;
    while (own < this.#prewarm) {
      if (this.#idle.length >= this.#prewarm) {
        const other = this.#idle.find((pooled) => pooled.key !== plan.key);
        if (!other) break;
        this.#discard(other, 'the pool now serves another configuration', 'debug');
      }
      let pooled: Pooled | undefined;
      const ready = this.#prepare(plan, {
        slug: undefined,
        prewarmed: true,
        onCreated: (container) => {
          if (!pooled) return;
          pooled.container = container;
          if (pooled.dropped) void this.#release(container);
        },
      });
      pooled = {
        key: plan.key,
        job: this.job,
        ready,
        container: undefined,
        isReady: false,
        dropped: false,
      };
      this.#idle.push(pooled);
      own++;
      const item = pooled;
      ready.then(
        (container) => {
          item.isReady = true;
          const entry = this.#live.get(container);
          if (entry?.state === 'starting') entry.state = 'ready';
          void container.exited.then((exit) =>
            this.#discard(item, `it exited while idle (status ${exit.code})`),
          );
        },
        (error: unknown) => this.#discard(item, messageOf(error)),
      );
    }
  }

  /** Drops `pooled` from the pool (unless an acquisition took it) and removes its container. */
  #discard(pooled: Pooled, reason: string, level: 'warn' | 'debug' = 'warn'): void {
    const index = this.#idle.indexOf(pooled);
    if (index === -1) return;
    this.#idle.splice(index, 1);
    if (!this.#closing) {
      this.#options.logger?.[level](
        `DockerRuntime: discarded a container started ahead of need${pooled.container ? ` (${pooled.container.shortId})` : ''}: ${reason}`,
      );
    }
    this.#drop(pooled);
  }

  /** Removes the container of `pooled` in the background: now, or as soon as the engine has created it. */
  #drop(pooled: Pooled): void {
    pooled.dropped = true;
    if (pooled.container) void this.#release(pooled.container);
  }

  /** The lease of a ready container: liveness, `limits.run_timeout_s`, removal on release. */
  #lease(container: HudContainer, plan: Plan): DockerLease {
    const logger = this.#options.logger;
    const died = new AbortController();
    void container.exited.then(async (exit) => {
      if (container.removing) return;
      died.abort(
        new DockerRuntimeError(
          'exited',
          `container ${container.shortId} of '${plan.image}' exited with status ${exit.code} while leased`,
          { phase: 'running', containerId: container.shortId, output: await container.logs() },
        ),
      );
    });
    let runTimer: NodeJS.Timeout | undefined;
    if (plan.settings.runTimeoutMs !== undefined) {
      const limitMs = plan.settings.runTimeoutMs;
      // hud-python: a background `docker rm --force` run_timeout_s after the start.
      runTimer = setTimeout(async () => {
        const output = await container.logs();
        died.abort(
          new DockerRuntimeError(
            'run_timeout',
            `container ${container.shortId} of '${plan.image}' exceeded limits.run_timeout_s (${limitMs / 1000} s) and was removed`,
            { phase: 'running', containerId: container.shortId, output },
          ),
        );
        this.#release(container);
      }, limitMs);
      runTimer.unref();
    }
    logger?.debug(`DockerRuntime: leased ${container.shortId} on ${container.url}`);
    return new DockerLease({
      container,
      readyTimeoutS: plan.timeoutMs / 1000,
      died: died.signal,
      release: () => {
        clearTimeout(runTimer);
        return this.#release(container);
      },
    });
  }

  /**
   * Removes `container` in the background: resolves (or rejects) when it is gone; close() and
   * whenRemoved() wait for it, and a failure is logged and reported by them.
   */
  #release(container: HudContainer): Promise<void> {
    // Already on its way out (a second release, close()): whoever started it tracks it.
    if (container.removing) return container.remove();
    const removal = this.#remove(container);
    const tracked = removal.then(
      () => {},
      (error: unknown) => {
        this.#failures.push(error);
        this.#options.logger?.warn(
          `DockerRuntime: removing ${container.shortId}: ${messageOf(error)}`,
        );
      },
    );
    this.#removals.add(tracked);
    void tracked.finally(() => this.#removals.delete(tracked));
    return removal;
  }

  async #remove(container: HudContainer): Promise<void> {
    const entry = this.#live.get(container);
    if (entry) entry.state = 'removing';
    try {
      await container.remove();
      this.#options.logger?.debug(`DockerRuntime: removed ${container.shortId}`);
    } finally {
      this.#live.delete(container);
    }
  }
}
