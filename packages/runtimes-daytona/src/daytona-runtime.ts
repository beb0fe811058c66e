import { randomUUID } from 'node:crypto';
import { Daytona, type Sandbox } from '@daytonaio/sdk';
import type { ProvideOptions, TaskRow } from '@hud/protocol';
import {
  abortable,
  awaitHello,
  removeAll,
  type SandboxProvider,
  sandboxLabels,
  sandboxProvider,
} from '@hud/runtime-kit';
import { DaytonaLease } from './daytona-lease.js';
import { DaytonaRuntimeError } from './errors.js';
import { mergeRuntimeConfig, type SandboxSettings, sandboxSettings } from './runtime-config.js';
import type { DaytonaRuntimeOptions } from './runtime-types.js';
import { SshForward, sshEndpoint } from './ssh-forward.js';
import { vendorCall } from './vendor-call.js';

export type { DaytonaRuntimeOptions } from './runtime-types.js';

/**
 * A provider serving each rollout from its own Daytona sandbox. Close it (or `await using`) when done.
 * `close()` removes every sandbox (leased and starting), idempotently (@hud/runtime-kit
 * `SandboxProvider`); it throws DaytonaRuntimeError when a sandbox could not be deleted.
 */
export interface DaytonaProvider extends SandboxProvider<DaytonaLease> {
  /**
   * Creates a sandbox for `task`, starts the environment, forwards its control port over SSH and waits
   * until it answers `hello`.
   * @throws DaytonaRuntimeError `invalid_argument` (no image, a malformed `runtime_config`), `unsupported`,
   *   `unauthorized`, `rate_limited`, `vendor_error` (naming the SDK call and the sandbox), `not_ready`
   *   (with the command's last output lines), `closed`; `signal.reason` on abort. The sandbox is deleted
   *   in every case.
   */
  (task: TaskRow, options?: ProvideOptions): Promise<DaytonaLease>;
}

interface Plan {
  readonly image: string;
  readonly settings: SandboxSettings;
  readonly readyTimeoutMs: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** MiB → whole GiB (Daytona sizes memory and disk in GiB), at least 1. */
const gib = (mb: number) => Math.max(1, Math.ceil(mb / 1024));
const LOG_LINES = 50;

/**
 * Serves each rollout from its own Daytona sandbox (docs/architecture.md §6 `daytona`; hud-python 0.6.16
 * `DaytonaRuntime`, spec §6.2): `daytona.create` from the task's image (the provider's `image`, else
 * `runtime_config.image`, else `imageFor(task)`) as an ephemeral sandbox with hud's labels (`hud.managed=1`,
 * `hud.job`, `hud.run`, `hud.task`, owner pid and host), `envVars`, `resources.cpu` (cores),
 * `memory_mb`/`storage_mb` (rounded up to GiB) and `limits.run_timeout_s` (as the sandbox's TTL, whole
 * minutes); the environment's `command` in a background session; an SSH access token and a local forward
 * `127.0.0.1:0 → 127.0.0.1:<port>` through Daytona's SSH gateway (the token as user name). Ready when
 * `hello` answers through it. Every Daytona call is retried on 429/5xx with backoff; releasing the lease
 * deletes the sandbox.
 * @throws DaytonaRuntimeError `invalid_argument` for bad options.
 */
export function DaytonaRuntime(options: DaytonaRuntimeOptions = {}): DaytonaProvider {
  return sandboxProvider(new DaytonaSandboxes(options));
}

class DaytonaSandboxes {
  readonly live = new Map<string, () => Promise<void>>();
  readonly #options: DaytonaRuntimeOptions;
  readonly #ownJob = randomUUID();
  readonly #creating = new Set<Promise<unknown>>();
  readonly #port: number;
  #client: Daytona | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: DaytonaRuntimeOptions) {
    const port = options.port ?? 8765;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new DaytonaRuntimeError('invalid_argument', `DaytonaRuntime: bad port ${port}`);
    }
    if (options.image !== undefined && options.image.trim() === '') {
      throw new DaytonaRuntimeError('invalid_argument', 'DaytonaRuntime: image must not be empty');
    }
    this.#options = options;
    this.#port = port;
  }

  get job(): string {
    const { job } = this.#options;
    return (typeof job === 'function' ? job() : job) ?? this.#ownJob;
  }

  /** The SDK client, made on first use (its constructor checks the credentials). */
  #daytona(): Daytona {
    if (!this.#client) {
      const { apiKey, apiUrl, target } = this.#options;
      try {
        this.#client = new Daytona({ apiKey, apiUrl, target });
      } catch (error) {
        throw new DaytonaRuntimeError('unauthorized', `Daytona client: ${messageOf(error)}`, {
          cause: error,
          call: 'new Daytona',
        });
      }
    }
    return this.#client;
  }

  #plan(task: TaskRow): Plan {
    const settings = sandboxSettings(
      mergeRuntimeConfig(this.#options.runtimeConfig, task.runtime_config),
      task.slug,
    );
    const image = this.#options.image ?? settings.image ?? this.#options.imageFor?.(task);
    if (!image) {
      throw new DaytonaRuntimeError(
        'invalid_argument',
        `no image for task '${task.slug}' (env '${task.env}'): set runtime_config.image on the row, build one with \`hud build <env dir>\`, or pass --runtime daytona:<image>`,
      );
    }
    const readyTimeoutMs = settings.startupTimeoutMs ?? this.#options.readyTimeoutMs ?? 300_000;
    return { image, settings, readyTimeoutMs };
  }

  #checkOpen(): void {
    if (this.#closing) throw new DaytonaRuntimeError('closed', 'DaytonaRuntime is closed');
  }

  async acquire(task: TaskRow, provideOptions: ProvideOptions = {}): Promise<DaytonaLease> {
    this.#checkOpen();
    const { signal } = provideOptions;
    signal?.throwIfAborted();
    const plan = this.#plan(task);
    const daytona = this.#daytona();
    const { settings } = plan;
    const resources = {
      ...(settings.cpu === undefined ? {} : { cpu: Math.max(1, Math.ceil(settings.cpu)) }),
      ...(settings.memoryMb === undefined ? {} : { memory: gib(settings.memoryMb) }),
      ...(settings.storageMb === undefined ? {} : { disk: gib(settings.storageMb) }),
    };
    const creating = vendorCall(
      'daytona.create',
      () =>
        daytona.create(
          {
            image: plan.image,
            envVars: { ...this.#options.envVars },
            labels: sandboxLabels({ job: this.job, task: task.slug, extra: this.#options.labels }),
            ephemeral: true,
            ...(Object.keys(resources).length > 0 ? { resources } : {}),
            ...(settings.runTimeoutMs === undefined
              ? {}
              : { ttlMinutes: Math.max(1, Math.ceil(settings.runTimeoutMs / 60_000)) }),
          },
          { timeout: this.#options.createTimeoutS ?? 600 },
        ),
      { ...this.#options.retry },
    );
    this.#creating.add(creating);
    let sandbox: Sandbox;
    try {
      sandbox = await abortable(creating, signal);
    } catch (error) {
      void creating.then((late) => this.#delete(late)).catch(() => {});
      throw error;
    } finally {
      this.#creating.delete(creating);
    }
    const id = sandbox.id;
    const died = new AbortController();
    const session = `hud-${randomUUID().slice(0, 8)}`;
    let commandId: string | undefined;
    let forward: SshForward | undefined;
    let runTimer: NodeJS.Timeout | undefined;
    let release: Promise<void> | undefined;
    const output = async (): Promise<string> => {
      if (!commandId) return '';
      try {
        const logs = await sandbox.process.getSessionCommandLogs(session, commandId);
        return (logs.output ?? '').split('\n').slice(-LOG_LINES).join('\n');
      } catch {
        return '';
      }
    };
    const teardown = () => {
      release ??= (async () => {
        clearTimeout(runTimer);
        this.live.delete(id);
        await forward?.close();
        await this.#delete(sandbox);
      })();
      return release;
    };
    this.live.set(id, teardown);
    this.#options.logger?.debug(
      `DaytonaRuntime: created sandbox ${id} (${plan.image}) for '${task.slug}'`,
    );
    const retry = { ...this.#options.retry, sandboxId: id, signal };
    try {
      this.#checkOpen();
      await vendorCall(
        'sandbox.process.createSession',
        () => sandbox.process.createSession(session),
        retry,
      );
      const command = this.#options.command ?? 'cd /app && node server.mjs';
      const started = await vendorCall(
        'sandbox.process.executeSessionCommand',
        () => sandbox.process.executeSessionCommand(session, { command, runAsync: true }),
        retry,
      );
      commandId = started.cmdId;
      const access = await vendorCall(
        'sandbox.createSshAccess',
        () => sandbox.createSshAccess(this.#options.sshExpiresMinutes ?? 1440),
        retry,
      );
      const endpoint = sshEndpoint(access.sshCommand ?? '');
      const host = this.#options.sshHost ?? endpoint?.host ?? 'ssh.app.daytona.io';
      const port = this.#options.sshPort ?? endpoint?.port ?? 22;
      try {
        forward = await SshForward.open({ host, port, username: access.token }, this.#port, {
          onClose: async (reason) => {
            if (release) return;
            died.abort(
              new DaytonaRuntimeError('exited', `Daytona sandbox ${id}: ${reason}`, {
                phase: 'running',
                sandboxId: id,
                output: await output(),
              }),
            );
          },
        });
      } catch (error) {
        throw new DaytonaRuntimeError(
          'vendor_error',
          `Daytona SSH gateway ${host}:${port} (sandbox ${id}) refused the forward: ${messageOf(error)}`,
          { cause: error, call: 'ssh', sandboxId: id },
        );
      }
      const url = `tcp://127.0.0.1:${forward.port}`;
      await this.#waitReady(
        url,
        plan,
        id,
        AbortSignal.any([died.signal, ...(signal ? [signal] : [])]),
      );
      this.#checkOpen();
      if (settings.runTimeoutMs !== undefined) {
        const limitS = settings.runTimeoutMs / 1000;
        runTimer = setTimeout(async () => {
          died.abort(
            new DaytonaRuntimeError(
              'run_timeout',
              `Daytona sandbox ${id} exceeded limits.run_timeout_s (${limitS} s) and was deleted`,
              { phase: 'running', sandboxId: id, output: await output() },
            ),
          );
          void teardown().catch(() => {});
        }, settings.runTimeoutMs);
        runTimer.unref();
      }
      return new DaytonaLease({
        url,
        sandboxId: id,
        readyTimeoutS: plan.readyTimeoutMs / 1000,
        signal: died.signal,
        output,
        release: teardown,
      });
    } catch (error) {
      const failure =
        DaytonaRuntimeError.isInstance(error) && error.code === 'not_ready'
          ? new DaytonaRuntimeError('not_ready', error.message, {
              cause: error.cause,
              sandboxId: id,
              output: await output(),
            })
          : error;
      await teardown().catch((deleteError: unknown) =>
        this.#options.logger?.warn(
          `DaytonaRuntime: deleting sandbox ${id}: ${messageOf(deleteError)}`,
        ),
      );
      this.#checkOpen();
      throw failure;
    }
  }

  async #waitReady(url: string, plan: Plan, id: string, signal: AbortSignal): Promise<void> {
    await awaitHello(
      url,
      { readyTimeoutMs: plan.readyTimeoutMs, signal },
      (cause) =>
        new DaytonaRuntimeError(
          'not_ready',
          `Daytona sandbox ${id} (${plan.image}) did not answer hello on port ${this.#port} within ${plan.readyTimeoutMs / 1000} s: does its command serve on port ${this.#port}?`,
          { cause, sandboxId: id },
        ),
    );
  }

  /** Deletes `sandbox` (retried on 429/5xx; an already deleted sandbox counts as deleted). */
  async #delete(sandbox: Sandbox): Promise<void> {
    try {
      await vendorCall('sandbox.delete', () => sandbox.delete(), {
        ...this.#options.retry,
        sandboxId: sandbox.id,
        phase: 'teardown',
      });
    } catch (error) {
      if (!(DaytonaRuntimeError.isInstance(error) && error.status === 404)) throw error;
    }
    this.#options.logger?.debug(`DaytonaRuntime: deleted sandbox ${sandbox.id}`);
  }

  close(): Promise<void> {
    this.#closing ??= removeAll(this.#creating, this.live);
    return this.#closing;
  }
}
