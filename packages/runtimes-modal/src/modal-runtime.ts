import { randomUUID } from 'node:crypto';
import type { ProvideOptions, TaskRow } from '@hud/protocol';
import {
  abortable,
  awaitHello,
  OutputTail,
  removeAll,
  type SandboxProvider,
  sandboxLabels,
  sandboxProvider,
} from '@hud/runtime-kit';
import { type App, type Image, ModalClient, type Sandbox } from 'modal';
import { ModalRuntimeError } from './errors.js';
import { ModalLease } from './modal-lease.js';
import { mergeRuntimeConfig, type SandboxSettings, sandboxSettings } from './runtime-config.js';
import type { ModalRuntimeOptions } from './runtime-types.js';
import { vendorCall } from './vendor-call.js';

export type { ModalRuntimeOptions } from './runtime-types.js';

/**
 * A provider serving each rollout from its own Modal sandbox. Close it (or `await using`) when done.
 * `close()` removes every sandbox (leased and starting), idempotently (@hud/runtime-kit
 * `SandboxProvider`); it throws ModalRuntimeError when a sandbox could not be terminated (it then ends at
 * its timeout).
 */
export interface ModalProvider extends SandboxProvider<ModalLease> {
  /**
   * Creates a sandbox for `task` with an unencrypted TCP tunnel to its control port and waits until it
   * answers `hello` through the tunnel.
   * @throws ModalRuntimeError `invalid_argument` (no image, a malformed `runtime_config`), `unsupported`,
   *   `unauthorized`, `rate_limited`, `vendor_error` (naming the SDK call and the sandbox), `not_ready`
   *   (with the sandbox's last output lines), `closed`; `signal.reason` on abort. The sandbox is
   *   terminated in every case.
   */
  (task: TaskRow, options?: ProvideOptions): Promise<ModalLease>;
}

interface Plan {
  readonly image: string;
  readonly settings: SandboxSettings;
  readonly readyTimeoutMs: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Serves each rollout from its own Modal sandbox (docs/architecture.md §6 `modal`; hud-python 0.6.16
 * `ModalRuntime`, spec §6.2): `sandboxes.create` under the app `appName` (created if missing) from the
 * task's image (`Image.fromRegistry`, or `fromId` for `modal://<id>`; the provider's `image`, else
 * `runtime_config.image`, else `imageFor(task)`), with `unencryptedPorts: [port]`, hud's tags
 * (`hud.managed=1`, `hud.job`, `hud.run`, `hud.task`, owner pid and host), `envVars`, `resources.cpu` and
 * `memory_mb`, and `limits.run_timeout_s` as the sandbox timeout (default 3600 s). The control channel runs
 * over the port's raw TCP tunnel (`tunnels()[port].tcpSocket`); ready when `hello` answers there. Every
 * Modal call is retried on RESOURCE_EXHAUSTED/UNAVAILABLE/INTERNAL with backoff; releasing the lease
 * terminates the sandbox.
 * @throws ModalRuntimeError `invalid_argument` for bad options.
 */
export function ModalRuntime(options: ModalRuntimeOptions = {}): ModalProvider {
  return sandboxProvider(new ModalSandboxes(options));
}

class ModalSandboxes {
  readonly live = new Map<string, () => Promise<void>>();
  readonly #options: ModalRuntimeOptions;
  readonly #ownJob = randomUUID();
  readonly #creating = new Set<Promise<unknown>>();
  readonly #port: number;
  #client: ModalClient | undefined;
  #app: Promise<App> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ModalRuntimeOptions) {
    const port = options.port ?? 8765;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ModalRuntimeError('invalid_argument', `ModalRuntime: bad port ${port}`);
    }
    if (options.image !== undefined && options.image.trim() === '') {
      throw new ModalRuntimeError('invalid_argument', 'ModalRuntime: image must not be empty');
    }
    this.#options = options;
    this.#port = port;
  }

  get job(): string {
    const { job } = this.#options;
    return (typeof job === 'function' ? job() : job) ?? this.#ownJob;
  }

  #modal(): ModalClient {
    if (this.#options.client) return this.#options.client;
    if (!this.#client) {
      const { tokenId, tokenSecret, environment } = this.#options;
      try {
        this.#client = new ModalClient({ tokenId, tokenSecret, environment });
      } catch (error) {
        throw new ModalRuntimeError('unauthorized', `Modal client: ${messageOf(error)}`, {
          cause: error,
          call: 'new ModalClient',
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
      throw new ModalRuntimeError(
        'invalid_argument',
        `no image for task '${task.slug}' (env '${task.env}'): set runtime_config.image on the row, build one with \`hud build <env dir>\` and push it, or pass --runtime modal:<image>`,
      );
    }
    const readyTimeoutMs = settings.startupTimeoutMs ?? this.#options.readyTimeoutMs ?? 600_000;
    return { image, settings, readyTimeoutMs };
  }

  #checkOpen(): void {
    if (this.#closing) throw new ModalRuntimeError('closed', 'ModalRuntime is closed');
  }

  /** The app, looked up (or created) once per provider. */
  #appOf(modal: ModalClient): Promise<App> {
    this.#app ??= vendorCall(
      'apps.fromName',
      () => modal.apps.fromName(this.#options.appName ?? 'hud-envs', { createIfMissing: true }),
      { ...this.#options.retry },
    ).catch((error: unknown) => {
      this.#app = undefined;
      throw error;
    });
    return this.#app;
  }

  async #imageOf(modal: ModalClient, image: string): Promise<Image> {
    if (image.startsWith('modal://')) {
      const id = image.slice('modal://'.length);
      return vendorCall('images.fromId', () => modal.images.fromId(id), { ...this.#options.retry });
    }
    return modal.images.fromRegistry(image);
  }

  async acquire(task: TaskRow, provideOptions: ProvideOptions = {}): Promise<ModalLease> {
    this.#checkOpen();
    const { signal } = provideOptions;
    signal?.throwIfAborted();
    const plan = this.#plan(task);
    const modal = this.#modal();
    const { settings } = plan;
    const creating = (async () => {
      const app = await this.#appOf(modal);
      const image = await this.#imageOf(modal, plan.image);
      return vendorCall(
        'sandboxes.create',
        () =>
          modal.sandboxes.create(app, image, {
            ...(this.#options.command ? { command: [...this.#options.command] } : {}),
            ...(settings.cpu === undefined ? {} : { cpu: settings.cpu }),
            ...(settings.memoryMb === undefined ? {} : { memoryMiB: Math.ceil(settings.memoryMb) }),
            timeoutMs: settings.runTimeoutMs ?? 3_600_000,
            unencryptedPorts: [this.#port],
            ...(this.#options.envVars && Object.keys(this.#options.envVars).length > 0
              ? { env: { ...this.#options.envVars } }
              : {}),
            tags: sandboxLabels({ job: this.job, task: task.slug, extra: this.#options.labels }),
          }),
        { ...this.#options.retry },
      );
    })();
    this.#creating.add(creating);
    let sandbox: Sandbox;
    try {
      sandbox = await abortable(creating, signal);
    } catch (error) {
      void creating.then((late) => this.#terminate(late)).catch(() => {});
      throw error;
    } finally {
      this.#creating.delete(creating);
    }
    const id = sandbox.sandboxId;
    const output = new OutputTail();
    const died = new AbortController();
    const reading = new AbortController();
    let runTimer: NodeJS.Timeout | undefined;
    let release: Promise<void> | undefined;
    const teardown = () => {
      release ??= (async () => {
        clearTimeout(runTimer);
        reading.abort();
        this.live.delete(id);
        await this.#terminate(sandbox);
      })();
      return release;
    };
    this.live.set(id, teardown);
    this.#options.logger?.debug(
      `ModalRuntime: created sandbox ${id} (${plan.image}) for '${task.slug}'`,
    );
    for (const stream of [sandbox.stdout, sandbox.stderr])
      void drain(stream, output, reading.signal);
    void sandbox.wait().then(
      (code) => {
        if (release) return;
        died.abort(
          new ModalRuntimeError('exited', `Modal sandbox ${id} exited with code ${code}`, {
            phase: 'running',
            sandboxId: id,
            output: output.text(),
          }),
        );
      },
      () => {},
    );
    try {
      this.#checkOpen();
      const tunnels = await vendorCall(
        'sandbox.tunnels',
        () => sandbox.tunnels(plan.readyTimeoutMs),
        {
          ...this.#options.retry,
          sandboxId: id,
          signal,
        },
      );
      const tunnel = tunnels[this.#port];
      if (!tunnel?.unencryptedHost || tunnel.unencryptedPort === undefined) {
        throw new ModalRuntimeError(
          'vendor_error',
          `Modal sandbox ${id} has no unencrypted TCP tunnel for port ${this.#port}`,
          { call: 'sandbox.tunnels', sandboxId: id },
        );
      }
      const [host, port] = tunnel.tcpSocket;
      const url = `tcp://${host}:${port}`;
      await this.#waitReady(
        url,
        plan,
        id,
        output,
        AbortSignal.any([died.signal, ...(signal ? [signal] : [])]),
      );
      this.#checkOpen();
      if (settings.runTimeoutMs !== undefined) {
        const limitS = settings.runTimeoutMs / 1000;
        runTimer = setTimeout(() => {
          died.abort(
            new ModalRuntimeError(
              'run_timeout',
              `Modal sandbox ${id} exceeded limits.run_timeout_s (${limitS} s) and was terminated`,
              { phase: 'running', sandboxId: id, output: output.text() },
            ),
          );
          void teardown().catch(() => {});
        }, settings.runTimeoutMs);
        runTimer.unref();
      }
      return new ModalLease({
        url,
        sandboxId: id,
        readyTimeoutS: plan.readyTimeoutMs / 1000,
        signal: died.signal,
        output: async () => output.text(),
        release: teardown,
      });
    } catch (error) {
      await teardown().catch((terminateError: unknown) =>
        this.#options.logger?.warn(
          `ModalRuntime: terminating sandbox ${id}: ${messageOf(terminateError)}`,
        ),
      );
      this.#checkOpen();
      throw error;
    }
  }

  async #waitReady(
    url: string,
    plan: Plan,
    id: string,
    output: OutputTail,
    signal: AbortSignal,
  ): Promise<void> {
    await awaitHello(
      url,
      { readyTimeoutMs: plan.readyTimeoutMs, signal },
      (cause) =>
        new ModalRuntimeError(
          'not_ready',
          `Modal sandbox ${id} (${plan.image}) did not answer hello on port ${this.#port} within ${plan.readyTimeoutMs / 1000} s: does its command serve on 0.0.0.0:${this.#port}?`,
          { cause, sandboxId: id, output: output.text() },
        ),
    );
  }

  /** Terminates `sandbox` (retried on RESOURCE_EXHAUSTED/UNAVAILABLE/INTERNAL; a gone one counts as terminated). */
  async #terminate(sandbox: Sandbox): Promise<void> {
    try {
      await vendorCall('sandbox.terminate', () => sandbox.terminate(), {
        ...this.#options.retry,
        sandboxId: sandbox.sandboxId,
        phase: 'teardown',
      });
    } catch (error) {
      if (!(ModalRuntimeError.isInstance(error) && error.status === 404)) throw error;
    }
    this.#options.logger?.debug(`ModalRuntime: terminated sandbox ${sandbox.sandboxId}`);
  }

  close(): Promise<void> {
    this.#closing ??= removeAll(this.#creating, this.live).finally(() => this.#client?.close());
    return this.#closing;
  }
}

/** Reads `stream` into `tail` until it ends or `signal` aborts; never rejects. */
async function drain(
  stream: ReadableStream<string>,
  tail: OutputTail,
  signal: AbortSignal,
): Promise<void> {
  const reader = stream.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      tail.push(value);
    }
  } catch {
    // A closed client or a terminated sandbox ends the logs.
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
