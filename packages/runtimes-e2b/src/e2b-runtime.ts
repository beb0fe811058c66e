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
import { type CommandHandle, Sandbox } from 'e2b';
import { E2BLease } from './e2b-lease.js';
import { E2BRuntimeError } from './errors.js';
import { mergeRuntimeConfig, type SandboxSettings, sandboxSettings } from './runtime-config.js';
import type { E2BRuntimeOptions } from './runtime-types.js';
import { BRIDGE_DIR, bridgeFiles } from './sandbox-bridge.js';
import { vendorCall } from './vendor-call.js';
import { WsTunnel } from './ws-tunnel.js';

export type { E2BRuntimeOptions } from './runtime-types.js';

/**
 * A provider serving each rollout from its own E2B sandbox. Close it (or `await using`) when done.
 * `close()` removes every sandbox (leased and starting), idempotently (@hud/runtime-kit
 * `SandboxProvider`); it throws E2BRuntimeError when a sandbox could not be killed (it then ends at its
 * E2B timeout).
 */
export interface E2BProvider extends SandboxProvider<E2BLease> {
  /**
   * Creates a sandbox for `task`, bridges its control port and waits until it answers `hello`.
   * @throws E2BRuntimeError `invalid_argument` (no template, a malformed `runtime_config`), `unsupported`,
   *   `unauthorized`, `rate_limited`, `vendor_error` (naming the SDK call and the sandbox), `not_ready`
   *   (with the sandbox's last output lines), `closed`; `signal.reason` on abort. The sandbox is killed
   *   in every case.
   */
  (task: TaskRow, options?: ProvideOptions): Promise<E2BLease>;
}

interface Plan {
  readonly template: string;
  readonly settings: SandboxSettings;
  readonly readyTimeoutMs: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Serves each rollout from its own E2B sandbox (docs/architecture.md §6 `e2b`): `Sandbox.create` of the
 * task's template (the provider's `template`, else `runtime_config.image`, else `templateFor(task)`) with
 * hud's metadata (`hud.managed=1`, `hud.job`, `hud.run`, `hud.task`, owner pid and host), `envVars`, and
 * `limits.run_timeout_s` as the sandbox timeout. E2B exposes sandbox ports as HTTP/WebSocket hosts only, so
 * the runtime writes a small WebSocket→TCP bridge (node + the `ws` package) into the sandbox, starts it on
 * `bridgePort`, and serves the control channel on a local `127.0.0.1` listener whose every connection is a
 * WebSocket to `<bridgePort>-<id>.<domain>`. Ready when `hello` answers through it. E2B fixes CPU and
 * memory in the template: `resources.cpu/memory_mb/storage_mb` are reported once and ignored. Every E2B
 * call is retried on 429/5xx with backoff; releasing the lease kills the sandbox.
 * @throws E2BRuntimeError `invalid_argument` for bad options.
 * @example
 * await using provider = E2BRuntime({ apiKey, template: 'letter-count' });
 * await using runtime = await provider(task);
 */
export function E2BRuntime(options: E2BRuntimeOptions = {}): E2BProvider {
  return sandboxProvider(new E2BSandboxes(options));
}

class E2BSandboxes {
  readonly live = new Map<string, () => Promise<void>>();
  readonly #options: E2BRuntimeOptions;
  readonly #ownJob = randomUUID();
  readonly #creating = new Set<Promise<unknown>>();
  readonly #warned = new Set<string>();
  readonly #port: number;
  readonly #bridgePort: number;
  #closing: Promise<void> | undefined;

  constructor(options: E2BRuntimeOptions) {
    for (const [name, value] of [
      ['port', options.port],
      ['bridgePort', options.bridgePort],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 65535)) {
        throw new E2BRuntimeError('invalid_argument', `E2BRuntime: bad ${name} ${value}`);
      }
    }
    if (options.template !== undefined && options.template.trim() === '') {
      throw new E2BRuntimeError('invalid_argument', 'E2BRuntime: template must not be empty');
    }
    this.#options = options;
    this.#port = options.port ?? 8765;
    this.#bridgePort = options.bridgePort ?? 8766;
  }

  get job(): string {
    const { job } = this.#options;
    return (typeof job === 'function' ? job() : job) ?? this.#ownJob;
  }

  /** Connection options of every SDK call (the SDK's own 429 retry off: {@link vendorCall} retries). */
  get #connection() {
    const { apiKey, apiUrl, domain, sandboxUrl } = this.#options;
    return { apiKey, apiUrl, domain, sandboxUrl, retries: 0 };
  }

  #plan(task: TaskRow): Plan {
    const settings = sandboxSettings(
      mergeRuntimeConfig(this.#options.runtimeConfig, task.runtime_config),
      task.slug,
    );
    const template = this.#options.template ?? settings.image ?? this.#options.templateFor?.(task);
    if (!template) {
      throw new E2BRuntimeError(
        'invalid_argument',
        `no E2B template for task '${task.slug}' (env '${task.env}'): set runtime_config.image to a template built from the environment's image, or pass --runtime e2b:<template>`,
      );
    }
    for (const key of ['cpu', 'memoryMb', 'storageMb'] as const) {
      if (settings[key] !== undefined && !this.#warned.has(key)) {
        this.#warned.add(key);
        this.#options.logger?.warn(
          `E2BRuntime: ignoring runtime_config resources (${key}): an E2B template fixes its CPU, memory and disk`,
        );
      }
    }
    const readyTimeoutMs = settings.startupTimeoutMs ?? this.#options.readyTimeoutMs ?? 300_000;
    return { template, settings, readyTimeoutMs };
  }

  #checkOpen(): void {
    if (this.#closing) throw new E2BRuntimeError('closed', 'E2BRuntime is closed');
  }

  async acquire(task: TaskRow, provideOptions: ProvideOptions = {}): Promise<E2BLease> {
    this.#checkOpen();
    const { signal } = provideOptions;
    signal?.throwIfAborted();
    const plan = this.#plan(task);
    const timeoutMs = plan.settings.runTimeoutMs ?? this.#options.defaultTimeoutMs ?? 3_600_000;
    const creating = vendorCall(
      'Sandbox.create',
      () =>
        Sandbox.create(plan.template, {
          ...this.#connection,
          metadata: sandboxLabels({ job: this.job, task: task.slug, extra: this.#options.labels }),
          envs: { ...this.#options.envVars },
          timeoutMs,
        }),
      { ...this.#options.retry },
    );
    this.#creating.add(creating);
    let sandbox: Sandbox;
    try {
      sandbox = await abortable(creating, signal);
    } catch (error) {
      // Aborted while E2B was creating it: kill it once it exists.
      void creating.then((late) => this.#kill(late.sandboxId)).catch(() => {});
      throw error;
    } finally {
      this.#creating.delete(creating);
    }
    const id = sandbox.sandboxId;
    const output = new OutputTail();
    const died = new AbortController();
    const commands: CommandHandle[] = [];
    let tunnel: WsTunnel | undefined;
    let runTimer: NodeJS.Timeout | undefined;
    let release: Promise<void> | undefined;
    let leased = false;
    const teardown = () => {
      release ??= (async () => {
        clearTimeout(runTimer);
        this.live.delete(id);
        await tunnel?.close();
        for (const command of commands) await command.disconnect().catch(() => {});
        await this.#kill(id);
      })();
      return release;
    };
    this.live.set(id, teardown);
    this.#options.logger?.debug(
      `E2BRuntime: created sandbox ${id} (${plan.template}) for '${task.slug}'`,
    );
    try {
      this.#checkOpen();
      const onOutput = (data: string) => output.push(data);
      await vendorCall(
        'sandbox.files.write',
        async () => sandbox.files.write(await bridgeFiles()),
        {
          ...this.#options.retry,
          sandboxId: id,
          signal,
        },
      );
      const start = async (command: string, what: string) => {
        const handle = await vendorCall(
          'sandbox.commands.run',
          () =>
            sandbox.commands.run(command, {
              background: true,
              timeoutMs: 0,
              onStdout: onOutput,
              onStderr: onOutput,
            }),
          { ...this.#options.retry, sandboxId: id, signal },
        );
        commands.push(handle);
        void handle.wait().then(
          (result) => exited(what, `exit code ${result.exitCode}`),
          (error: unknown) => exited(what, messageOf(error)),
        );
      };
      const exited = (what: string, how: string) => {
        if (release) return;
        died.abort(
          new E2BRuntimeError(
            leased ? 'exited' : 'not_ready',
            `the ${what} in E2B sandbox ${id} ended (${how})`,
            {
              phase: leased ? 'running' : 'provisioning',
              sandboxId: id,
              output: output.text(),
            },
          ),
        );
      };
      if (this.#options.command) await start(this.#options.command, 'environment command');
      await start(
        `node ${BRIDGE_DIR}/bridge.cjs ${this.#bridgePort} ${this.#port}`,
        'WebSocket bridge',
      );
      tunnel = await WsTunnel.open(this.#bridgeUrl(sandbox), this.#bridgeHeaders(sandbox));
      const url = `tcp://127.0.0.1:${tunnel.port}`;
      await this.#waitReady(
        url,
        plan,
        id,
        output,
        AbortSignal.any([died.signal, ...(signal ? [signal] : [])]),
      );
      this.#checkOpen();
      if (plan.settings.runTimeoutMs !== undefined) {
        const limitS = plan.settings.runTimeoutMs / 1000;
        runTimer = setTimeout(() => {
          died.abort(
            new E2BRuntimeError(
              'run_timeout',
              `E2B sandbox ${id} exceeded limits.run_timeout_s (${limitS} s) and was killed`,
              { phase: 'running', sandboxId: id, output: output.text() },
            ),
          );
          void teardown().catch(() => {});
        }, plan.settings.runTimeoutMs);
        runTimer.unref();
      }
      leased = true;
      return new E2BLease({
        url,
        sandboxId: id,
        readyTimeoutS: plan.readyTimeoutMs / 1000,
        signal: died.signal,
        output: () => output.text(),
        release: teardown,
      });
    } catch (error) {
      await teardown().catch((killError: unknown) =>
        this.#options.logger?.warn(`E2BRuntime: killing sandbox ${id}: ${messageOf(killError)}`),
      );
      this.#checkOpen();
      throw error;
    }
  }

  /** `wss://<bridgePort>-<id>.<domain>/`, or the `sandboxUrl` as a WebSocket URL. */
  #bridgeUrl(sandbox: Sandbox): string {
    const { sandboxUrl } = this.#options;
    if (sandboxUrl) return sandboxUrl.replace(/^http/, 'ws');
    return `wss://${sandbox.getHost(this.#bridgePort)}/`;
  }

  #bridgeHeaders(sandbox: Sandbox): Record<string, string> {
    const headers: Record<string, string> = {
      'E2b-Sandbox-Id': sandbox.sandboxId,
      'E2b-Sandbox-Port': String(this.#bridgePort),
    };
    const token = (sandbox as { trafficAccessToken?: string }).trafficAccessToken;
    if (token) headers['e2b-traffic-access-token'] = token;
    return headers;
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
        new E2BRuntimeError(
          'not_ready',
          `E2B sandbox ${id} (${plan.template}) did not answer hello on port ${this.#port} within ${plan.readyTimeoutMs / 1000} s: does the template serve on 0.0.0.0:${this.#port}, with node on its PATH for the bridge?`,
          { cause, sandboxId: id, output: output.text() },
        ),
    );
  }

  /** Kills `id` (retried on 429/5xx; an unknown sandbox counts as killed). */
  async #kill(id: string): Promise<void> {
    await vendorCall('Sandbox.kill', () => Sandbox.kill(id, this.#connection), {
      ...this.#options.retry,
      sandboxId: id,
      phase: 'teardown',
    });
    this.#options.logger?.debug(`E2BRuntime: killed sandbox ${id}`);
  }

  close(): Promise<void> {
    this.#closing ??= removeAll(this.#creating, this.live);
    return this.#closing;
  }
}
