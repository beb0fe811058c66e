import { serve } from '@hud/environment';
import type { ProvideOptions, Provider, RuntimeLease, TaskRow } from '@hud/protocol';
import Docker from 'dockerode';
import { HarborRunError } from './errors.js';
import { HarborContainer } from './harbor-container.js';
import { readHarborTask } from './load.js';
import { OncePerKey } from './once-per-key.js';
import { resolveEnv } from './resolve-env.js';
import type { HarborTask } from './task-config.js';
import { TaskImages } from './task-images.js';
import { HarborTrial } from './trial.js';
import { trialEnvironment } from './trial-environment.js';
import { trialSteps } from './trial-steps.js';

/** Options of {@link HarborRuntime}. */
export interface HarborRuntimeOptions {
  /** The job id for container labels (`hud.job`), read at each acquisition. */
  job?: () => string | undefined;
  /** The host's variables, for `${VAR}` in task.toml env tables (default: none — every `${VAR}` needs a default). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Rebuild task images even when cached. */
  forceBuild?: boolean;
  /** Build output lines. */
  onBuildProgress?: (line: string) => void;
  docker?: Docker;
}

/** A Harbor provider: acquire per rollout, `close()` when the job is done. */
export interface HarborProvider extends Provider, AsyncDisposable {
  /** Leases not yet released. */
  readonly openLeases: number;
  /** Releases every open lease (their containers are removed). Idempotent. */
  close(): Promise<void>;
}

/** The task directory a Harbor row points at (`runtime_config.harbor.task_dir`), if any. */
export function harborTaskDir(row: TaskRow): string | undefined {
  const harbor = row.runtime_config?.harbor;
  if (typeof harbor !== 'object' || harbor === null || Array.isArray(harbor)) return undefined;
  const dir = (harbor as Record<string, unknown>).task_dir;
  return typeof dir === 'string' ? dir : undefined;
}

/** Whether a row is a Harbor task (made by `loadHarborSource`). */
export function isHarborRow(row: TaskRow): boolean {
  return harborTaskDir(row) !== undefined;
}

/**
 * Runs Harbor task rows on the local Docker engine: per rollout, the task's image is built once (BuildKit,
 * content-addressed tag), a container is started from it with `[environment]` env, workdir and resources,
 * `[environment.healthcheck]` is awaited, and a HUD environment for the trial is served on 127.0.0.1 (the
 * lease's address): its `run` template prompts with `instruction.md`, solves with `solution/solve.sh`
 * (`tasks.solve`, the `oracle` agent) and grades with the verifier. Disposing the lease stops the server
 * and removes the containers. Containers carry hud's labels, so a killed job's are reaped by the next.
 * @throws (from an acquisition) HarborRunError `image_build_failed`, `environment_start_failed`,
 *   `healthcheck_failed`; HarborLoadError for a task directory that no longer loads; Error for a row that
 *   is not a Harbor task.
 */
export function HarborRuntime(options: HarborRuntimeOptions = {}): HarborProvider {
  const docker = options.docker ?? new Docker();
  const images = new TaskImages({
    docker,
    forceBuild: options.forceBuild,
    onProgress: options.onBuildProgress,
  });
  const tasks = new OncePerKey<HarborTask>();
  const leases = new Set<RuntimeLease>();
  let closed = false;

  const taskOf = (dir: string) =>
    tasks.get(dir, () => readHarborTask(dir).then(({ task }) => task));

  const acquire = async (row: TaskRow, provide: ProvideOptions = {}): Promise<RuntimeLease> => {
    if (closed) throw new HarborRunError('closed', 'the Harbor runtime is closed');
    const dir = harborTaskDir(row);
    if (!dir)
      throw new Error(
        `task '${row.slug}' is not a Harbor task (no runtime_config.harbor.task_dir)`,
      );
    const { signal } = provide;
    const startedAt = new Date().toISOString();
    const task = await taskOf(dir);
    const hostEnv = options.hostEnv ?? {};
    const job = options.job?.() ?? 'none';
    // Every separate verifier the trial may open — the task's, or only some steps' — is built up front.
    const contexts = [
      ...new Set(
        trialSteps(task).flatMap((step) =>
          step.verifier.mode === 'separate' && step.verifierContext ? [step.verifierContext] : [],
        ),
      ),
    ];
    const [image, ...built] = await Promise.all([
      images.agentImage(task),
      ...contexts.map((context) => images.verifierImage(task, context)),
    ]);
    const verifierImages = new Map(contexts.map((context, index) => [context, built[index]]));
    signal?.throwIfAborted();
    const where = `${dir}/task.toml`;
    const container = await HarborContainer.start({
      image,
      config: task.config.environment,
      env: resolveEnv(task.config.environment.env, hostEnv, `${where} [environment.env]`),
      job,
      task: row.slug,
      role: 'agent',
      signal,
      docker,
    });
    let server: Awaited<ReturnType<typeof serve>> | undefined;
    try {
      await container.sh(
        'mkdir -p /logs/agent /logs/verifier /logs/artifacts && chmod 777 /logs /logs/agent /logs/verifier /logs/artifacts',
        'creating /logs',
      );
      if (task.config.environment.healthcheck) {
        await container.waitHealthy(task.config.environment.healthcheck, signal);
      }
      const trial = new HarborTrial({
        task,
        container,
        hostEnv,
        setup: { started_at: startedAt, finished_at: new Date().toISOString() },
        openVerifier: (step) => {
          const verifierImage = step.verifierContext && verifierImages.get(step.verifierContext);
          const config = step.verifier.environment;
          if (!verifierImage || !config) {
            throw new HarborRunError(
              'environment_start_failed',
              `task '${row.slug}'${step.name ? `, step '${step.name}'` : ''}: a separate verifier needs a tests/Dockerfile`,
            );
          }
          const table = step.name ? 'steps.verifier.environment.env' : 'verifier.environment.env';
          return HarborContainer.start({
            image: verifierImage,
            config,
            env: resolveEnv(config.env, hostEnv, `${where} [${table}]`),
            job,
            task: row.slug,
            role: 'verifier',
            docker,
          });
        },
      });
      const cwd =
        task.config.environment.workdir ||
        (await container.container.inspect()).Config.WorkingDir ||
        '/';
      const shell = { containerId: container.id, user: task.config.agent.user, cwd };
      server = await serve(trialEnvironment(trial, row.env, shell), { host: '127.0.0.1', port: 0 });
    } catch (error) {
      await container.remove();
      throw error;
    }
    const running = server;
    let released: Promise<void> | undefined;
    const lease: RuntimeLease = {
      url: running.url,
      [Symbol.asyncDispose]: () => {
        released ??= (async () => {
          leases.delete(lease);
          try {
            await running.close();
          } finally {
            await container.remove();
          }
        })();
        return released;
      },
    };
    leases.add(lease);
    return lease;
  };

  return Object.assign(acquire, {
    get openLeases() {
      return leases.size;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...leases].map((lease) => lease[Symbol.asyncDispose]()));
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  }) as HarborProvider;
}
