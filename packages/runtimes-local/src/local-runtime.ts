import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, resolveEnvironmentFile, silentLogger } from '@hud/environment';
import type { ProvideOptions, TaskRow } from '@hud/protocol';
import { abortable } from './abortable.js';
import { BootGate } from './boot-gate.js';
import { buildEntry, findEntry, ownSourcesChanged, type PreparedEntry } from './bundle-cache.js';
import { ChildServer, type ChildServerOptions } from './child-server.js';
import { LocalRuntimeError, rejectRuntimeConfig } from './errors.js';
import { LocalLease } from './local-lease.js';

/** Options of {@link LocalRuntime}. */
export interface LocalRuntimeOptions {
  /**
   * Serve the environment with this export or `name` whatever the task's `env` (an error if the file has
   * none). Default: prefer the task's `env`, fall back to the file's only environment.
   */
  env?: string;
  /** Working directory of the children (default: the environment file's directory, as hud-python). */
  cwd?: string;
  /** Extra Node flags for the children, e.g. `['--max-old-space-size=512']`. */
  execArgv?: readonly string[];
  /**
   * Environment variables for the children, on top of the caller's `process.env` (which children inherit
   * unchanged; nothing is stripped). The environment process keeps the caller's keys on purpose — its
   * graders may need them (an LLM judge) — but they never reach an agent: workspace sessions start from an
   * allow-list (`PATH`, `LANG`, … plus the workspace's own `env`), and helper daemons (Chromium, Xvfb,
   * x11vnc) likewise; sandboxed sessions cannot see this child's `/proc/<pid>/environ` either.
   */
  envVars?: Readonly<Record<string, string>>;
  /** The Node binary (default `process.execPath`). */
  nodePath?: string;
  /** Deadline for a child to print `HUD_SERVE_PORT=<port>`, ms from its spawn (default 120 000, hud-python's 120 s). */
  readyTimeoutMs?: number;
  /** Wait between SIGTERM and SIGKILL on release, ms (default 10 000, hud-python's 10 s). */
  killGraceMs?: number;
  /**
   * Children kept started ahead of demand, per environment name (default 0). Each still serves exactly one
   * rollout; the pool starts filling on the first acquisition or {@link LocalProvider.warm}.
   */
  prewarm?: number;
  /**
   * Children loading their environment at once (default `os.availableParallelism()`; `Infinity`: no
   * bound). Loading a module graph is CPU-bound, so beyond the core count concurrent loads only slow each
   * other down: further children are spawned as earlier ones finish loading. A child counts from its spawn
   * until its modules are loaded (its initialize hooks, which may wait on I/O, are not bounded), it is ready,
   * or it exits. Rollouts past that point are bounded only by the caller (e.g. `maxConcurrent`).
   */
  maxBooting?: number;
  /** Diagnostics (spawns, discarded children); default silent. */
  logger?: Logger;
  /**
   * Packages lent to an env file that cannot resolve them itself (see `ModuleFallbacks` in
   * `@hud/environment`); the `hud` CLI lends its own `@hud/*` and `zod`.
   */
  fallbacks?: Readonly<Record<string, string>>;
  /**
   * Whether a workspace publishes its `filetracking/1` capability (spec §3.7; hud-python's
   * `HUD_FILE_TRACKING_ENABLED`, default true); false passes `--no-file-tracking` to every child.
   */
  fileTracking?: boolean;
  /**
   * Serve the file from a prepared bundle (default true): the environment file and everything it imports,
   * bundled with esbuild into one CommonJS file (dynamically imported code evaluated when reached; ES
   * modules and lazy chunks when the file needs ES module semantics, e.g. a top-level `await`) and stored
   * under `cacheDir`, keyed by the contents of every input, so each child loads one file (or a few)
   * instead of a module graph through the loader
   * (about half the CPU per child). Found in the cache before the first spawn; on a miss it is built in the
   * background while children load the file as before (nothing waits for it, except {@link
   * LocalProvider.warm}). An edit to one of the project's own files is noticed before the next spawn: the
   * bundle is prepared again and idle prewarmed children are replaced. Where bundling is impossible (a
   * syntax error, a computed `require(x)`/`import(x)`, the `bindings` package, no esbuild, an unwritable
   * cache) children load the file as with `false`, and the logger says why once.
   */
  bundle?: boolean;
  /** Root of the bundle cache (default `<process.cwd()>/.hud/cache`); bundles go to its `local-runtime/`. */
  cacheDir?: string;
}

/** What a {@link LocalProvider} child is doing: starting, ready and idle in the pool, or leased. */
export type LocalChildState = 'starting' | 'ready' | 'leased';

/** A live child of a {@link LocalProvider}, as {@link LocalProvider.children} lists it. */
export interface LocalChildInfo {
  readonly pid: number;
  /** The environment name it was asked to serve. */
  readonly env: string | undefined;
  readonly state: LocalChildState;
  /** Started by the prewarm pool rather than for a waiting acquisition. */
  readonly prewarmed: boolean;
}

/**
 * A provider serving each rollout from its own child process (docs/architecture.md §4 `local`): call it with a task row
 * to get a {@link LocalLease}. Holds processes, so close it (or `await using`) when done.
 */
export interface LocalProvider extends AsyncDisposable {
  /**
   * Provisions a child serving `task.env` (or the `env` option) from the environment file, waits until it
   * prints its port and leases it.
   * @throws LocalRuntimeError `exited_early` (the child exited first: load or hook error; message and
   *   `output` carry its last output), `not_ready` (no port within `readyTimeoutMs`; the child is killed),
   *   `spawn_failed`, `unsupported` (a row with `runtime_config`), `closed`; `signal.reason` on abort (the
   *   child is killed).
   */
  (task: TaskRow, options?: ProvideOptions): Promise<LocalLease>;
  /** The resolved environment file every child serves. */
  readonly file: string;
  /** Live children: pooled (starting, ready) and leased; not those still waiting for a boot turn (no pid yet). */
  readonly children: readonly LocalChildInfo[];
  /** Children spawned so far (pooled and on demand). */
  readonly spawnCount: number;
  /**
   * Fills the prewarm pool for `env` (default: the `env` option) and resolves once its children are ready;
   * first waits for the environment's bundle when it is being built (see `bundle`), so the pool's children
   * start from it. Without `prewarm`, only that wait.
   * @throws LocalRuntimeError `invalid_argument` without an environment name; the pooled child's error when
   *   one fails to start; `closed`.
   */
  warm(env?: string): Promise<void>;
  /** Kills every child (pooled and leased) and waits until they are gone. Idempotent. */
  close(): Promise<void>;
}

interface Entry {
  readonly env: string | undefined;
  readonly prewarmed: boolean;
  leased: boolean;
}

/** The child entry script: compiled `serve-child.js` beside this module, else the `.ts` source (dev). */
function childEntry(): string {
  const compiled = fileURLToPath(new URL('./serve-child.js', import.meta.url));
  return existsSync(compiled)
    ? compiled
    : fileURLToPath(new URL('./serve-child.ts', import.meta.url));
}

function checkNumber(name: string, value: number, { integer = false, min = 0 } = {}): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new LocalRuntimeError(
      'invalid_argument',
      `LocalRuntime: ${name} must be ${integer ? 'an integer' : 'a finite number'} ≥ ${min}, got ${value}`,
    );
  }
  return value;
}

class LocalPool {
  readonly file: string;
  readonly #spawnOptions: Omit<ChildServerOptions, 'name'>;
  readonly #env: string | undefined;
  readonly #prewarm: number;
  readonly #logger: Logger;
  readonly #children = new Map<ChildServer, Entry>();
  /** Pooled children per environment name (key `''` never occurs: names are non-empty). */
  readonly #idle = new Map<string, ChildServer[]>();
  /** The bundle cache to serve from; undefined without bundling or once it proved impossible. */
  #cacheDir: string | undefined;
  /** Looked for (and maybe building) a bundle: false until the first acquisition and after an edit. */
  #prepared = false;
  /** The bundle being built in the background, if any. */
  #building: Promise<void> | undefined;
  /** The bundle children are spawned with, once there is one. */
  #entry: PreparedEntry | undefined;
  #spawned = 0;
  readonly #gate: BootGate;
  #closing: Promise<void> | undefined;

  constructor(source: string, options: LocalRuntimeOptions) {
    try {
      this.file = resolveEnvironmentFile(source);
    } catch (cause) {
      throw new LocalRuntimeError(
        'source_not_found',
        `LocalRuntime: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    this.#env = options.env;
    this.#prewarm = checkNumber('prewarm', options.prewarm ?? 0, { integer: true });
    this.#logger = options.logger ?? silentLogger;
    const maxBooting = options.maxBooting ?? availableParallelism();
    if (maxBooting !== Number.POSITIVE_INFINITY) {
      checkNumber('maxBooting', maxBooting, { integer: true, min: 1 });
    }
    this.#gate = new BootGate(maxBooting);
    this.#cacheDir =
      options.bundle === false
        ? undefined
        : path.resolve(options.cacheDir ?? path.join(process.cwd(), '.hud', 'cache'));
    this.#spawnOptions = {
      file: this.file,
      exact: options.env !== undefined,
      entry: childEntry(),
      nodePath: options.nodePath ?? process.execPath,
      execArgv: options.execArgv ?? [],
      cwd: path.resolve(options.cwd ?? path.dirname(this.file)),
      envVars: options.envVars ? { ...process.env, ...options.envVars } : undefined,
      readyTimeoutMs: checkNumber('readyTimeoutMs', options.readyTimeoutMs ?? 120_000, { min: 1 }),
      killGraceMs: checkNumber('killGraceMs', options.killGraceMs ?? 10_000),
      fallbacks: options.fallbacks,
      fileTracking: options.fileTracking ?? true,
    };
  }

  get children(): LocalChildInfo[] {
    const infos: LocalChildInfo[] = [];
    for (const [child, entry] of this.#children) {
      if (!child.alive || child.pid === undefined) continue;
      const state = entry.leased ? 'leased' : child.port === undefined ? 'starting' : 'ready';
      infos.push({ pid: child.pid, env: entry.env, state, prewarmed: entry.prewarmed });
    }
    return infos;
  }

  get spawnCount(): number {
    return this.#spawned;
  }

  async acquire(task: TaskRow, options: ProvideOptions = {}): Promise<LocalLease> {
    this.#checkOpen();
    rejectRuntimeConfig(task, 'LocalRuntime');
    options.signal?.throwIfAborted();
    const name = this.#env ?? task.env;
    this.#prepare();
    let child = this.#takeIdle(name);
    const prewarmed = child !== undefined;
    child ??= this.#spawn(name, false);
    (this.#children.get(child) as Entry).leased = true;
    this.#fill(name);
    let port: number;
    try {
      port = await abortable(child.ready, options.signal);
      this.#checkOpen();
    } catch (error) {
      await this.#stop(child);
      throw error;
    }
    this.#logger.debug(`LocalRuntime: leased pid ${child.pid} on port ${port} for '${task.slug}'`);
    const leased = child;
    return new LocalLease({
      child: leased,
      port,
      env: name,
      prewarmed,
      release: () => this.#stop(leased),
    });
  }

  async warm(env: string | undefined): Promise<void> {
    this.#checkOpen();
    const name = env ?? this.#env;
    if (name === undefined) {
      throw new LocalRuntimeError(
        'invalid_argument',
        'LocalRuntime.warm: name the environment to prewarm (or set the env option)',
      );
    }
    this.#prepare();
    await this.#building;
    this.#checkOpen();
    this.#fill(name);
    await Promise.all((this.#idle.get(name) ?? []).map((child) => child.ready));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // A bundle being written finishes first (the cache stays consistent; nothing is left half-written).
      await this.#building;
      // Empty the pools first, so their children's exits are not reported as idle deaths.
      for (const pool of this.#idle.values()) pool.length = 0;
      this.#idle.clear();
      await Promise.all([...this.#children.keys()].map((child) => this.#stop(child)));
    })();
    return this.#closing;
  }

  #checkOpen(): void {
    if (this.#closing) {
      throw new LocalRuntimeError('closed', `LocalRuntime for ${this.file} is closed`);
    }
  }

  /**
   * Before spawning: the cached bundle when there is one, else starts building it in the background
   * (children spawned meanwhile load the file unbundled). When one of the project's files the bundle was
   * built from changed since, prepares again and stops idle children started from the old bundle.
   */
  #prepare(): void {
    const cacheDir = this.#cacheDir;
    if (cacheDir === undefined || this.#building) return;
    if (this.#entry && ownSourcesChanged(this.#entry)) {
      this.#entry = undefined;
      this.#prepared = false;
      this.#drainIdle('its environment file changed');
    }
    if (this.#prepared) return;
    this.#prepared = true;
    const options = { file: this.file, cacheDir, fallbacks: this.#spawnOptions.fallbacks };
    this.#entry = findEntry(options);
    if (this.#entry) {
      this.#logger.debug(`LocalRuntime: serving ${this.file} from ${this.#entry.entry} (cached)`);
      return;
    }
    const started = performance.now();
    this.#logger.debug(
      `LocalRuntime: bundling ${this.file} (children load it unbundled meanwhile)`,
    );
    this.#building = buildEntry(options).then(
      (entry) => {
        this.#entry = entry;
        this.#building = undefined;
        this.#logger.debug(
          `LocalRuntime: serving ${this.file} from ${entry.entry} (built from ${entry.sourceCount} files in ${Math.round(performance.now() - started)} ms)`,
        );
      },
      (error: unknown) => {
        // Impossible to bundle: serve as without bundling from now on (the loader sees later edits).
        this.#cacheDir = undefined;
        this.#building = undefined;
        const reason = error instanceof Error ? error.message : String(error);
        this.#logger.warn(
          `LocalRuntime: serving ${this.file} unbundled (each child loads it through the module loader, slower): ${reason}`,
        );
      },
    );
  }

  /** Stops the children waiting in the prewarm pools. */
  #drainIdle(reason: string): void {
    for (const pool of this.#idle.values()) {
      for (const child of pool.splice(0)) {
        this.#logger.debug(`LocalRuntime: discarded prewarmed pid ${child.pid}: ${reason}`);
        void this.#stop(child);
      }
    }
  }

  /** A child for `name`: spawned now, or once the boot gate gives it a turn. */
  #spawn(name: string, prewarmed: boolean): ChildServer {
    const child = ChildServer.spawn({
      ...this.#spawnOptions,
      name,
      bundle: this.#entry?.entry,
      gate: this.#gate,
      onSpawn: (pid) => {
        this.#spawned++;
        this.#logger.debug(
          `LocalRuntime: spawned pid ${pid} for env '${name}'${prewarmed ? ' (prewarm)' : ''}`,
        );
      },
    });
    this.#children.set(child, { env: name, prewarmed, leased: false });
    return child;
  }

  /** A pooled child for `name`, preferring ready ones; never one that has exited. */
  #takeIdle(name: string): ChildServer | undefined {
    const pool = this.#idle.get(name);
    if (!pool) return undefined;
    const usable = pool.filter((child) => child.alive);
    const child = usable.find((candidate) => candidate.port !== undefined) ?? usable[0];
    if (child) pool.splice(pool.indexOf(child), 1);
    return child;
  }

  /** Tops the pool for `name` up to `prewarm` children. */
  #fill(name: string): void {
    if (this.#closing) return;
    let pool = this.#idle.get(name);
    if (!pool) {
      pool = [];
      this.#idle.set(name, pool);
    }
    while (pool.length < this.#prewarm) {
      const child = this.#spawn(name, true);
      pool.push(child);
      const discard = (reason: string) => {
        const index = pool.indexOf(child);
        if (index === -1) return; // already leased: its acquisition reports the failure
        pool.splice(index, 1);
        this.#logger.warn(`LocalRuntime: discarded prewarmed pid ${child.pid}: ${reason}`);
        void this.#stop(child);
      };
      child.ready.catch((error: unknown) =>
        discard(error instanceof Error ? error.message : String(error)),
      );
      void child.exited.then((exit) =>
        discard(`exited while idle (${exit.signal ?? `code ${exit.code}`})`),
      );
    }
  }

  async #stop(child: ChildServer) {
    const exit = await child.stop();
    this.#children.delete(child);
    return exit;
  }
}

/**
 * Serves each rollout from its own child Node process running the environment file (docs/architecture.md §4 `local`;
 * hud-python 0.6.16 `SubprocessRuntime`, spec §6.2): the child loads the file, serves the environment named
 * by the task's `env` on a free loopback port and prints `HUD_SERVE_PORT=<port>`; releasing the lease sends
 * SIGTERM to the child's process group (its shutdown hooks run) and SIGKILL after `killGraceMs`.
 *
 * With `prewarm: N`, up to N children per environment name are started ahead of demand to hide start-up
 * latency; each is still used for exactly one rollout, then killed and replaced.
 * @param source an environment file (`env.ts`, `env.js`) or a directory holding one.
 * @throws LocalRuntimeError `source_not_found` when nothing matches `source`; `invalid_argument` for bad
 *   numeric options.
 * @example
 * await using provider = LocalRuntime('examples/conformance/env.ts', { prewarm: 2 });
 * await using runtime = await provider(task);
 * await using client = await HudClient.connect(runtime);
 */
export function LocalRuntime(source: string, options: LocalRuntimeOptions = {}): LocalProvider {
  const pool = new LocalPool(source, options);
  const provider = (task: TaskRow, provideOptions?: ProvideOptions) =>
    pool.acquire(task, provideOptions);
  return Object.defineProperties(provider, {
    file: { value: pool.file, enumerable: true },
    children: { get: () => pool.children, enumerable: true },
    spawnCount: { get: () => pool.spawnCount, enumerable: true },
    warm: { value: (env?: string) => pool.warm(env) },
    close: { value: () => pool.close() },
    [Symbol.asyncDispose]: { value: () => pool.close() },
  }) as LocalProvider;
}
