import {
  bind,
  type ControlServer,
  Environment,
  environmentOfTask,
  type Logger,
  silentLogger,
} from '@hud/environment';
import { type ProvideOptions, type RuntimeLease, type TaskRow, withTimeLimit } from '@hud/protocol';
import { abortable } from './abortable.js';
import { LocalRuntimeError, rejectRuntimeConfig } from './errors.js';

/** Where {@link InProcessRuntime} finds a task's environment: one environment, or a lookup per row. */
export type EnvironmentSource =
  | Environment
  | ((task: TaskRow) => Environment | Promise<Environment>);

/** Options of {@link InProcessRuntime}. */
export interface InProcessRuntimeOptions {
  /** Deadline for an environment's initialize hooks, ms (default 120 000, hud-python's `ready_timeout`). */
  readyTimeoutMs?: number;
  /** Passed to each bound control server. */
  logger?: Logger;
}

/**
 * A rollout served inside the calling process: its own control port on 127.0.0.1 bound to the shared,
 * already started environment. Disposing it closes that port, dropping its connections and cancelling any
 * task still running or parked on it; the environment stays up until the provider closes.
 */
export class InProcessLease implements RuntimeLease {
  /** `tcp://127.0.0.1:<port>` of this rollout's control port. */
  readonly url: string;
  readonly params: Readonly<Record<string, unknown>> = { provider: 'in-process' };
  readonly #release: () => Promise<void>;

  /** @internal leases come from an {@link InProcessRuntime}. */
  constructor(url: string, release: () => Promise<void>) {
    this.url = url;
    this.#release = release;
  }

  /** Closes the rollout's control port (cancelling its tasks). Idempotent. */
  close(): Promise<void> {
    return this.#release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A provider serving rollouts from the calling process. Close it to run the shutdown hooks. */
export interface InProcessProvider extends AsyncDisposable {
  /**
   * Starts the task's environment (once per environment), binds a fresh loopback control port to it and
   * leases that port.
   * @throws LocalRuntimeError `no_environment` (the lookup found none), `start_failed` (an initialize hook
   *   threw; cause = its error), `not_ready` (hooks still running after `readyTimeoutMs`), `unsupported`
   *   (a row with `runtime_config`), `closed`; `signal.reason` on abort.
   */
  (task: TaskRow, options?: ProvideOptions): Promise<InProcessLease>;
  /** Control ports currently leased. */
  readonly openLeases: number;
  /** Closes every leased port, then runs each started environment's shutdown hooks once. Idempotent. */
  close(): Promise<void>;
}

class InProcessHost {
  readonly #lookup: (task: TaskRow) => Environment | Promise<Environment>;
  readonly #readyTimeoutMs: number;
  readonly #logger: Logger;
  readonly #started = new Map<Environment, Promise<void>>();
  readonly #servers = new Set<ControlServer>();
  #closing: Promise<void> | undefined;

  constructor(source: EnvironmentSource, options: InProcessRuntimeOptions) {
    if (Environment.isInstance(source)) this.#lookup = () => source;
    else if (typeof source === 'function') this.#lookup = source;
    else {
      throw new LocalRuntimeError(
        'invalid_argument',
        'InProcessRuntime: pass an Environment or a function (task) => Environment',
      );
    }
    const timeout = options.readyTimeoutMs ?? 120_000;
    if (!(timeout > 0 && Number.isFinite(timeout))) {
      throw new LocalRuntimeError(
        'invalid_argument',
        `InProcessRuntime: readyTimeoutMs must be a positive number, got ${timeout}`,
      );
    }
    this.#readyTimeoutMs = timeout;
    this.#logger = options.logger ?? silentLogger;
  }

  get openLeases(): number {
    return this.#servers.size;
  }

  async acquire(task: TaskRow, options: ProvideOptions = {}): Promise<InProcessLease> {
    this.#checkOpen();
    rejectRuntimeConfig(task, 'InProcessRuntime');
    options.signal?.throwIfAborted();
    const env = await this.#lookup(task);
    if (!Environment.isInstance(env)) {
      throw new LocalRuntimeError(
        'no_environment',
        `InProcessRuntime: no Environment for task '${task.slug}' (env '${task.env}'): the lookup returned ${String(env)}`,
      );
    }
    await abortable(this.#start(env), options.signal);
    this.#checkOpen();
    // One port per rollout: a bind has its own session table, so a rollout's grade can never adopt
    // another rollout's parked task, and closing the port cancels whatever the rollout left behind.
    const server = await bind(env, { host: '127.0.0.1', port: 0, logger: this.#logger });
    if (this.#closing || options.signal?.aborted) {
      await server.close();
      options.signal?.throwIfAborted();
      this.#checkOpen();
    }
    this.#servers.add(server);
    return new InProcessLease(server.url, async () => {
      this.#servers.delete(server);
      await server.close();
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const servers = [...this.#servers];
      this.#servers.clear();
      await Promise.all(servers.map((server) => server.close()));
      for (const env of this.#started.keys()) await env.stop();
      this.#started.clear();
    })();
    return this.#closing;
  }

  #checkOpen(): void {
    if (this.#closing) throw new LocalRuntimeError('closed', 'InProcessRuntime is closed');
  }

  /** Runs `env`'s initialize hooks once, bounded by the ready timeout. */
  #start(env: Environment): Promise<void> {
    let started = this.#started.get(env);
    if (!started) {
      const hooks = env.start().catch((cause: unknown) => {
        throw new LocalRuntimeError(
          'start_failed',
          `InProcessRuntime: an initialize hook of env '${env.name}' failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        );
      });
      started = withTimeLimit(
        hooks,
        this.#readyTimeoutMs,
        () =>
          new LocalRuntimeError(
            'not_ready',
            `InProcessRuntime: initialize hooks of env '${env.name}' did not finish within ${this.#readyTimeoutMs} ms; raise readyTimeoutMs if they are just slow`,
          ),
      );
      started.catch(() => {});
      this.#started.set(env, started);
    }
    return started;
  }
}

/**
 * Serves rollouts inside the calling process, without spawning (hud-python 0.6.16 `LocalRuntime` with a live
 * environment, spec §6.2): the environment's initialize hooks run once, on the first acquisition; each
 * acquisition binds its own loopback control port (`bind`), and rollouts run concurrently (hud-python
 * serialises them). Closing the provider closes the ports and runs the shutdown hooks once.
 * @param source an {@link Environment}, or `(task) => Environment` for rows of several environments.
 * @throws LocalRuntimeError `invalid_argument` for a bad source or `readyTimeoutMs`.
 * @example
 * await using provider = InProcessRuntime(env);
 * await using runtime = await provider(count({ text: 'banana', letter: 'a' }));
 * await using client = await HudClient.connect(runtime);
 */
export function InProcessRuntime(
  source: EnvironmentSource,
  options: InProcessRuntimeOptions = {},
): InProcessProvider {
  const host = new InProcessHost(source, options);
  const provider = (task: TaskRow, provideOptions?: ProvideOptions) =>
    host.acquire(task, provideOptions);
  return Object.defineProperties(provider, {
    openLeases: { get: () => host.openLeases, enumerable: true },
    close: { value: () => host.close() },
    [Symbol.asyncDispose]: { value: () => host.close() },
  }) as InProcessProvider;
}

/**
 * An {@link InProcessRuntime} for task rows minted by templates in this process (`count({...})`): each row
 * is served by the environment that minted it (hud-python's `Task._env`, used by `Taskset.run` without a
 * runtime).
 * @throws (on acquisition) LocalRuntimeError `no_environment` naming a row that was not minted here (e.g.
 *   loaded from JSON): serve its environment with `LocalRuntime(file)` instead.
 */
InProcessRuntime.forTasks = (options: InProcessRuntimeOptions = {}): InProcessProvider =>
  InProcessRuntime((task) => {
    const env = environmentOfTask(task);
    if (!Environment.isInstance(env)) {
      throw new LocalRuntimeError(
        'no_environment',
        `task '${task.slug}' (env '${task.env}', id '${task.id}') was not minted by a template in this process, so no live environment serves it; use LocalRuntime(<env file>) for rows loaded from files`,
      );
    }
    return env;
  }, options);
