import path from 'node:path';
import { shellQuote } from '@hud/protocol';
import { containerLabels, demuxLogs, SECURITY_OPTS } from '@hud/runtimes-docker';
import Docker from 'dockerode';
import { pack } from 'tar-fs';
import { type ExecOptions, type ExecResult, execIn, shExpandable } from './container-exec.js';
import { HarborRunError } from './errors.js';
import type { HarborEnvironmentConfig, HarborHealthcheck } from './task-config.js';

/** What {@link HarborContainer.start} needs. */
export interface HarborContainerSpec {
  image: string;
  config: HarborEnvironmentConfig;
  /** `[environment].env` with `${VAR}` already resolved. */
  env: Readonly<Record<string, string>>;
  /** The job id (label `hud.job`), so orphans can be reaped. */
  job: string;
  /** The task's slug (label `hud.task`). */
  task: string;
  /** `agent` or `verifier`, as the label `hud.harbor.role`. */
  role: 'agent' | 'verifier';
  signal?: AbortSignal | undefined;
  docker?: Docker;
}

const LOG_LINES = 30;

/**
 * One Harbor sandbox container: the image's ENTRYPOINT runs with `sh -c "sleep infinity"` as its command
 * (Harbor's compose service `main` does the same, `src/harbor/environments/docker/docker-compose-build.yaml`),
 * so `[environment].env` reaches the entrypoint; `[environment].workdir` is the container's working
 * directory; `cpus`/`memory_mb` become engine limits; `network_mode = "no-network"` is `NetworkMode: none`.
 * Labelled like every hud-ts container (`hud.managed`, `hud.job`, owner) so a killed job's containers are
 * reaped by the next one. Commands run through the exec API; files cross as tar archives.
 */
export class HarborContainer implements AsyncDisposable {
  readonly container: Docker.Container;
  readonly spec: HarborContainerSpec;
  #removing: Promise<void> | undefined;

  private constructor(container: Docker.Container, spec: HarborContainerSpec) {
    this.container = container;
    this.spec = spec;
  }

  /** The container id. */
  get id(): string {
    return this.container.id;
  }

  /**
   * Creates and starts the container and checks that it is still running a moment later (an entrypoint
   * that exits at once is a start failure, with the container's last log lines).
   * @throws HarborRunError `environment_start_failed` with the engine's message or the logs.
   */
  static async start(spec: HarborContainerSpec): Promise<HarborContainer> {
    const docker = spec.docker ?? new Docker();
    const { config } = spec;
    let container: Docker.Container;
    try {
      container = await docker.createContainer({
        Image: spec.image,
        Cmd: ['sh', '-c', 'sleep infinity'],
        // TMPDIR: Harbor's tasks use `$TMPDIR` under `set -u` (examples/tasks/environment-env-single).
        Env: Object.entries({ TMPDIR: '/tmp', ...spec.env }).map(
          ([key, value]) => `${key}=${value}`,
        ),
        ...(config.workdir ? { WorkingDir: config.workdir } : {}),
        Labels: containerLabels({
          job: spec.job,
          task: spec.task,
          extra: { 'hud.harbor.role': spec.role },
        }),
        Tty: false,
        HostConfig: {
          NetworkMode: config.networkMode === 'no-network' ? 'none' : undefined,
          ...(config.cpus ? { NanoCpus: Math.round(config.cpus * 1e9) } : {}),
          ...(config.memoryMb ? { Memory: Math.round(config.memoryMb * 1024 * 1024) } : {}),
          SecurityOpt: [...SECURITY_OPTS],
          Init: true,
        },
      });
    } catch (error) {
      throw new HarborRunError(
        'environment_start_failed',
        `creating the ${spec.role} container from ${spec.image}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const self = new HarborContainer(container, spec);
    try {
      spec.signal?.throwIfAborted();
      await container.start();
      if (config.workdir) {
        // The image may lack the directory (Harbor's compose runtime creates it the same way).
        await self.exec({ cmd: ['mkdir', '-p', config.workdir], user: 'root' });
      }
      const state = (await container.inspect()).State;
      if (!state.Running) throw new Error(`it exited with code ${state.ExitCode}`);
    } catch (error) {
      const logs = await self.logs();
      await self.remove();
      if (spec.signal?.aborted) throw spec.signal.reason;
      throw new HarborRunError(
        'environment_start_failed',
        `starting the ${spec.role} container from ${spec.image}: ${(error as Error).message}${logs ? `\n--- container log (last ${LOG_LINES} lines) ---\n${logs}` : ''}`,
        { cause: error },
      );
    }
    return self;
  }

  /** Runs a command in the container (see {@link execIn}). */
  exec(options: ExecOptions): Promise<ExecResult> {
    return execIn(this.container, options);
  }

  /** Runs a POSIX shell script as root; throws with its output when it exits non-zero. */
  async sh(script: string, what: string): Promise<string> {
    const result = await this.exec({ cmd: ['sh', '-c', script], user: 'root', timeoutMs: 60_000 });
    if (result.exitCode !== 0) {
      throw new HarborRunError(
        'exec_failed',
        `${what}: exit ${result.exitCode ?? 'timeout'}: ${(result.stderr || result.stdout).trim().slice(-2000)}`,
      );
    }
    return result.stdout;
  }

  /**
   * Copies the contents of host directory `source` into `target` in the container (created, emptied
   * first when `replace`), owned by root, file modes kept (Harbor uploads `tests/` and `solution/` the same
   * way, then `chmod +x`s the entry script).
   */
  async upload(source: string, target: string, options: { replace?: boolean } = {}): Promise<void> {
    const quoted = shellQuote(target);
    await this.sh(
      `${options.replace ? `rm -rf ${quoted} && ` : ''}mkdir -p ${quoted}`,
      `preparing ${target}`,
    );
    const archive = pack(path.resolve(source)) as unknown as NodeJS.ReadableStream;
    await this.container.putArchive(archive, { path: target });
  }

  /**
   * Copies `source` (a path in this container; `$VAR`s expand in its shell) to `destination` in `other`
   * (default the same path). Resolves false when `source` does not exist.
   */
  async copyTo(
    other: HarborContainer,
    source: string,
    destination?: string | null,
  ): Promise<boolean> {
    const resolved = (
      await this.sh(
        `p=${shExpandable(source)}; [ -e "$p" ] || exit 0; printf '%s' "$p"`,
        `resolving ${source}`,
      )
    ).trim();
    if (!resolved) return false;
    const target = destination
      ? (
          await other.sh(`printf '%s' ${shExpandable(destination)}`, `resolving ${destination}`)
        ).trim()
      : resolved;
    const archive = await this.container.getArchive({ path: resolved });
    const parent = path.posix.dirname(target);
    await other.sh(`mkdir -p ${shellQuote(parent)}`, `preparing ${parent}`);
    // The archive's top entry is named after the source; land it beside the target, then rename.
    await other.container.putArchive(archive, { path: parent });
    const landed = path.posix.join(parent, path.posix.basename(resolved));
    if (landed !== target) {
      await other.sh(
        `rm -rf ${shellQuote(target)} && mv ${shellQuote(landed)} ${shellQuote(target)}`,
        `moving ${landed}`,
      );
    }
    return true;
  }

  /** A file's text, or null when it does not exist. */
  async readFile(file: string): Promise<string | null> {
    const result = await this.exec({
      cmd: ['sh', '-c', `[ -f ${shellQuote(file)} ] || exit 3; cat ${shellQuote(file)}`],
      user: 'root',
      timeoutMs: 60_000,
    });
    if (result.exitCode === 3) return null;
    if (result.exitCode !== 0) {
      throw new HarborRunError('exec_failed', `reading ${file}: ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  /**
   * Runs `[environment.healthcheck]` until it passes: failures during `start_period_sec` do not count,
   * then `retries` failures are tolerated (Docker's HEALTHCHECK semantics, which Harbor's follow).
   * @throws HarborRunError `healthcheck_failed` with the last attempt's output.
   */
  async waitHealthy(check: HarborHealthcheck, signal?: AbortSignal): Promise<void> {
    const begin = Date.now();
    let failures = 0;
    for (;;) {
      signal?.throwIfAborted();
      const result = await this.exec({
        cmd: ['sh', '-c', check.command],
        timeoutMs: check.timeoutSec * 1000,
        signal,
      });
      if (result.exitCode === 0) return;
      const starting = Date.now() - begin < check.startPeriodSec * 1000;
      if (!starting) failures += 1;
      if (failures > check.retries) {
        const output = (result.stderr || result.stdout).trim().slice(-1000);
        throw new HarborRunError(
          'healthcheck_failed',
          `healthcheck '${check.command}' did not pass (${failures} failures${result.timedOut ? ', the last timed out' : `, last exit ${result.exitCode}`})${output ? `: ${output}` : ''}`,
        );
      }
      const waitSec = starting ? check.startIntervalSec : check.intervalSec;
      await new Promise((resolve) => setTimeout(resolve, waitSec * 1000));
    }
  }

  /** The container's last log lines ('' when there are none or the engine cannot say). */
  async logs(): Promise<string> {
    try {
      const buffer = (await this.container.logs({
        stdout: true,
        stderr: true,
        tail: LOG_LINES,
        follow: false,
      })) as unknown as Buffer;
      return demuxLogs(buffer).trim();
    } catch {
      return '';
    }
  }

  /** Removes the container (forced, idempotent; an already removed container is fine). */
  remove(): Promise<void> {
    this.#removing ??= this.container.remove({ force: true, v: true }).then(
      () => undefined,
      (error: { statusCode?: number }) => {
        if (error.statusCode === 404 || error.statusCode === 409) return;
        throw error;
      },
    );
    return this.#removing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}
