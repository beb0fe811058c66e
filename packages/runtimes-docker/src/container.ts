import { PassThrough } from 'node:stream';
import { HudClient, HudError } from '@hud/protocol';
import Docker from 'dockerode';
import { type ContainerLogLine, demuxLogs, fetchLogLines, lastLines } from './container-logs.js';
import { ContainerOutput, untilAnnounced } from './container-output.js';
import seccompProfile from './docker-seccomp.json' with { type: 'json' };
import { pullImage } from './engine.js';
import {
  DockerRuntimeError,
  engineMessage,
  engineUnreachable,
  isEngineUnreachable,
  statusOf,
} from './errors.js';
import { ExecBridge } from './exec-bridge.js';
import { type ContainerExit, type ExitWatch, waitAfter } from './exit-watch.js';
import type { ContainerSettings } from './runtime-config.js';

/**
 * How long {@link HudContainer.waitReady} waits for a container of an announcing image to print
 * `HUD_SERVE_PORT=` before it polls the port anyway, ms.
 */
export const ANNOUNCEMENT_WAIT_MS = 10_000;

/** Lines of container log attached to errors (hud-python: 40–50). */
export const LOG_TAIL_LINES = 50;

/**
 * Engine `SecurityOpt` of every container (hud-python `DockerRuntime`'s `--security-opt`, spec §6.2): the
 * seccomp profile shipped in this package (allows everything but a few kernel-introspection calls, so bwrap
 * can still create namespaces) and no AppArmor profile. The CLI's `systempaths=unconfined` is not an API
 * value: it is empty `MaskedPaths` and `ReadonlyPaths`, set beside these.
 */
export const SECURITY_OPTS: readonly string[] = [
  `seccomp=${JSON.stringify(seccompProfile)}`,
  'apparmor=unconfined',
];

export type { ContainerExit } from './exit-watch.js';

/** What {@link HudContainer.create} needs. */
export interface ContainerSpec {
  image: string;
  /** The control port the image's CMD serves on (published on 127.0.0.1, random host port). */
  port: number;
  envVars?: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
  settings: ContainerSettings;
  /** false: `NetworkMode: 'none'`, control port reached through `docker exec` (see ExecBridge). */
  network: boolean;
  /** Apply {@link SECURITY_OPTS}. */
  seccomp: boolean;
  /** Overrides the image's CMD. */
  cmd?: readonly string[];
  /** Pull the image when it is missing locally. */
  pull: boolean;
}

/**
 * One container serving an environment image: created with hud's labels, limits and security options,
 * started, its control port mapped to `127.0.0.1:<random>`, probed until it answers `hello`, and removed
 * (forcefully, idempotently). The substrate of a {@link DockerLease}; `hud debug` drives its steps one by one.
 */
export class HudContainer {
  readonly #docker: Docker;
  readonly #container: Docker.Container;
  readonly #spec: ContainerSpec;
  #url: string | undefined;
  #bridge: ExecBridge | undefined;
  #exited: Promise<ContainerExit> | undefined;
  #exit: ContainerExit | undefined;
  #removing: Promise<void> | undefined;
  #output: ContainerOutput | undefined;

  readonly #exits: ExitWatch | undefined;

  private constructor(
    docker: Docker,
    container: Docker.Container,
    spec: ContainerSpec,
    exits: ExitWatch | undefined,
  ) {
    this.#docker = docker;
    this.#container = container;
    this.#spec = spec;
    this.#exits = exits;
  }

  /**
   * Creates (does not start) a container for `spec`. A missing image is pulled first when `spec.pull`.
   * `engine.exits` (a provider's shared event stream) learns when it stops; without it, {@link start}
   * sends one `wait` request for that.
   * @throws DockerRuntimeError `image_not_found` (missing locally, and not pulled or the pull failed),
   *   `docker_unavailable`, `invalid_argument` (a malformed image reference), `start_failed`.
   */
  static async create(
    spec: ContainerSpec,
    engine: { docker?: Docker; exits?: ExitWatch } = {},
  ): Promise<HudContainer> {
    const docker = engine.docker ?? new Docker();
    const { settings } = spec;
    const exposed = `${spec.port}/tcp`;
    const options: Docker.ContainerCreateOptions = {
      Image: spec.image,
      Labels: { ...spec.labels },
      Env: Object.entries(spec.envVars ?? {}).map(([key, value]) => `${key}=${value}`),
      ExposedPorts: { [exposed]: {} },
      Tty: false,
      HostConfig: {
        // HostIp keeps the port off every other interface; '' = a free port the engine picks.
        PortBindings: spec.network ? { [exposed]: [{ HostIp: '127.0.0.1', HostPort: '' }] } : {},
        NetworkMode: spec.network ? undefined : 'none',
        NanoCpus: settings.nanoCpus,
        Memory: settings.memoryBytes,
        SecurityOpt: spec.seccomp ? [...SECURITY_OPTS] : [],
        // `--security-opt systempaths=unconfined`: /proc and /sys paths neither masked nor read-only.
        MaskedPaths: spec.seccomp ? [] : undefined,
        ReadonlyPaths: spec.seccomp ? [] : undefined,
        DeviceRequests: settings.gpuCount
          ? [{ Driver: '', Count: settings.gpuCount, Capabilities: [['gpu']] }]
          : undefined,
      },
    };
    if (spec.cmd) options.Cmd = [...spec.cmd];
    const attempt = () => docker.createContainer(options);
    let container: Docker.Container;
    try {
      container = await attempt();
    } catch (error) {
      if (isEngineUnreachable(error)) throw engineUnreachable(error);
      const status = statusOf(error);
      if (status === 400 && /invalid reference format/i.test(engineMessage(error))) {
        throw new DockerRuntimeError(
          'invalid_argument',
          `'${spec.image}' is not a valid image reference: ${engineMessage(error)}`,
          { cause: error },
        );
      }
      if (status !== 404) {
        throw new DockerRuntimeError(
          'start_failed',
          `the engine refused to create a container from '${spec.image}': ${engineMessage(error)}`,
          { cause: error },
        );
      }
      if (!spec.pull) {
        throw new DockerRuntimeError(
          'image_not_found',
          `image '${spec.image}' not found locally: build it (hud build <dir>, docker build -t ${spec.image} .) or pull it`,
          { cause: error },
        );
      }
      try {
        await pullImage(docker, spec.image);
      } catch (pullError) {
        throw new DockerRuntimeError(
          'image_not_found',
          `image '${spec.image}' not found locally and pulling it failed (${engineMessage(pullError)}): build it (hud build <dir>, docker build -t ${spec.image} .) or check the name`,
          { cause: pullError },
        );
      }
      container = await attempt();
    }
    return new HudContainer(docker, container, spec, engine.exits);
  }

  /** The full container id. */
  get id(): string {
    return this.#container.id;
  }

  /** The 12-hex short id `docker ps` shows. */
  get shortId(): string {
    return this.#container.id.slice(0, 12);
  }

  /** The image it runs. */
  get image(): string {
    return this.#spec.image;
  }

  /** `tcp://127.0.0.1:<host port>` of the control port, once started. */
  get url(): string | undefined {
    return this.#url;
  }

  /** How the container ended, once it has (including on removal). */
  get exit(): ContainerExit | undefined {
    return this.#exit;
  }

  /** Resolves when the container stops running (after {@link start}). */
  get exited(): Promise<ContainerExit> {
    if (!this.#exited) throw new Error('HudContainer: start() first');
    return this.#exited;
  }

  /**
   * Starts the container and maps its control port: the published loopback port, or an {@link ExecBridge}
   * without a network.
   * @throws DockerRuntimeError `start_failed` (the engine refused: a CMD that does not exist, a port
   *   conflict…), `exited_early` (it stopped at once; with its last log lines).
   */
  async start(): Promise<void> {
    // Its output from the first line (readiness by announcement, logs without a request), attached while
    // the provider's event stream opens.
    const [, output] = await Promise.all([
      this.#exits?.open(),
      ContainerOutput.attach(this.#container, this.#docker),
    ]);
    this.#output = output;
    if (this.#removing) {
      // remove() ran while attaching, before there was an output to close.
      output?.close();
      throw new DockerRuntimeError(
        'start_failed',
        `container ${this.shortId} of '${this.image}' was removed before it started`,
        { containerId: this.shortId },
      );
    }
    const starting = this.#container.start();
    // Watched from the moment the start request leaves, so an exit at once is not missed.
    this.#exited = (
      this.#exits?.exitOf(this.#container, starting) ?? waitAfter(this.#container, starting)
    ).then((exit) => {
      this.#exit ??= exit;
      return this.#exit;
    });
    try {
      await starting;
    } catch (error) {
      if (isEngineUnreachable(error)) throw engineUnreachable(error);
      throw new DockerRuntimeError(
        'start_failed',
        `container ${this.shortId} of '${this.image}' did not start: ${engineMessage(error)}`,
        { cause: error, containerId: this.shortId, output: await this.logs() },
      );
    }
    if (!this.#spec.network) {
      this.#bridge = await ExecBridge.listen(this.#container, this.#spec.port);
      this.#url = `tcp://127.0.0.1:${this.#bridge.port}`;
      return;
    }
    const info = await this.#container.inspect();
    const binding = info.NetworkSettings.Ports?.[`${this.#spec.port}/tcp`]?.[0];
    if (!binding?.HostPort) {
      throw new DockerRuntimeError(
        info.State.Running ? 'start_failed' : 'exited_early',
        info.State.Running
          ? `container ${this.shortId} of '${this.image}' has no published port ${this.#spec.port}`
          : `container ${this.shortId} of '${this.image}' exited at once (status ${info.State.ExitCode}) instead of serving port ${this.#spec.port}`,
        { containerId: this.shortId, output: await this.logs() },
      );
    }
    this.#url = `tcp://127.0.0.1:${binding.HostPort}`;
  }

  /**
   * Resolves true once the container prints `HUD_SERVE_PORT=` (its image announces when it serves), false
   * when its output ends first or was not attached (after {@link start}).
   */
  announcement(): Promise<boolean> {
    return this.#output?.announcement() ?? Promise.resolve(false);
  }

  /**
   * Waits until the control port answers `hello` (HudClient.connect's readiness loop: refusals and
   * connections the engine's proxy accepts then drops are retried every `retryIntervalMs`), or the
   * container exits first. With `announces` (its image prints `HUD_SERVE_PORT=<port>` once it serves, as
   * `hud build` images do), the loop starts only when that line arrives on the attached output (or after
   * {@link ANNOUNCEMENT_WAIT_MS}, whichever is first), so the engine's port proxy is not polled while the
   * server boots.
   * @throws DockerRuntimeError `exited_early` (the container stopped: its exit status and last log lines),
   *   `not_ready` (no answer within `timeoutMs`; with the log lines); a ProtocolError answer to `hello`;
   *   `signal.reason` on abort.
   */
  async waitReady(options: {
    timeoutMs: number;
    retryIntervalMs?: number;
    signal?: AbortSignal;
    announces?: boolean;
  }): Promise<void> {
    const url = this.#url;
    if (!url) throw new Error('HudContainer: start() first');
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    let exited: ContainerExit | undefined;
    void this.exited.then((exit) => {
      exited = exit;
      controller.abort(new Error('container exited'));
    });
    const deadline = performance.now() + options.timeoutMs;
    try {
      if (options.announces && this.#output?.following) {
        const waitMs = Math.min(options.timeoutMs, ANNOUNCEMENT_WAIT_MS);
        await untilAnnounced(this.#output, controller.signal, waitMs);
      }
      const client = await HudClient.connect(url, {
        readyTimeoutMs: Math.max(1, deadline - performance.now()),
        retryIntervalMs: options.retryIntervalMs ?? 50,
        heartbeatIntervalMs: 0,
        signal: controller.signal,
      });
      await client.close();
    } catch (error) {
      options.signal?.throwIfAborted();
      if (exited && !this.#removing) {
        throw new DockerRuntimeError(
          'exited_early',
          `container ${this.shortId} of '${this.image}' exited with status ${exited.code} before its control port answered`,
          { containerId: this.shortId, output: await this.logs() },
        );
      }
      if (HudError.isInstance(error) && error.code === 'not_ready') {
        throw new DockerRuntimeError(
          'not_ready',
          `container ${this.shortId} of '${this.image}' did not answer hello on port ${this.#spec.port} within ${options.timeoutMs / 1000} s: does its CMD serve on 0.0.0.0:${this.#spec.port}?`,
          { cause: error, containerId: this.shortId, output: await this.logs() },
        );
      }
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Fails when the root file system has less than `megabytes` free (hud-python checks
   * `docker exec <c> df -Pk /` for `resources.storage_mb`).
   * @throws DockerRuntimeError `insufficient_storage`; `start_failed` when `df` cannot run.
   */
  async checkStorage(megabytes: number): Promise<void> {
    const { code, stdout } = await this.exec(['df', '-Pk', '/']);
    const available = Number(stdout.trim().split('\n').at(-1)?.split(/\s+/)[3]);
    if (code !== 0 || !Number.isFinite(available)) {
      throw new DockerRuntimeError(
        'start_failed',
        `could not measure free space in container ${this.shortId} (df -Pk / → ${code}): ${stdout.trim()}`,
        { containerId: this.shortId },
      );
    }
    if (available < megabytes * 1024) {
      throw new DockerRuntimeError(
        'insufficient_storage',
        `container ${this.shortId} has ${Math.floor(available / 1024)} MB free on /, the task asks for resources.storage_mb=${megabytes}`,
        { containerId: this.shortId },
      );
    }
  }

  /** Runs `cmd` in the container; its exit code and stdout (stderr is dropped). */
  async exec(cmd: readonly string[]): Promise<{ code: number; stdout: string }> {
    const exec = await this.#container.exec({
      Cmd: [...cmd],
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    this.#docker.modem.demuxStream(stream, stdout, new PassThrough().resume());
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    const { ExitCode } = await exec.inspect();
    return { code: ExitCode ?? -1, stdout: Buffer.concat(chunks).toString('utf8') };
  }

  /**
   * The container's last `lines` log lines (default 2 000) with their streams: from the output attached at
   * start (times of arrival; no engine request), else the engine's (its timestamps; empty when the
   * container is gone).
   */
  logLines(lines = 2_000): Promise<ContainerLogLine[]> {
    if (this.#output) return Promise.resolve(this.#output.lines(lines));
    return fetchLogLines(this.#container, lines);
  }

  /** The container's last `lines` log lines (stdout and stderr, interleaved); `''` when gone. */
  async logs(lines: number = LOG_TAIL_LINES): Promise<string> {
    try {
      const buffer = (await this.#container.logs({
        stdout: true,
        stderr: true,
        tail: lines,
        follow: false,
      })) as unknown as Buffer;
      return lastLines(demuxLogs(Buffer.from(buffer)), lines);
    } catch {
      return '';
    }
  }

  /**
   * Kills and removes the container (`docker rm --force`, with its anonymous volumes). Idempotent: a
   * container already gone (404) or being removed (409) counts as removed.
   * @throws DockerRuntimeError `docker_unavailable`, or the engine's refusal.
   */
  remove(): Promise<void> {
    this.#removing ??= (async () => {
      this.#output?.close();
      await this.#bridge?.close();
      try {
        await this.#container.remove({ force: true, v: true });
      } catch (error) {
        const status = statusOf(error);
        if (status === 404 || status === 409) return;
        if (isEngineUnreachable(error)) throw engineUnreachable(error);
        throw new DockerRuntimeError(
          'start_failed',
          `could not remove container ${this.shortId}: ${engineMessage(error)}`,
          { cause: error, phase: 'teardown', containerId: this.shortId },
        );
      } finally {
        this.#exits?.forget(this.id);
      }
    })();
    return this.#removing;
  }

  /** Whether {@link remove} was called. */
  get removing(): boolean {
    return this.#removing !== undefined;
  }
}
