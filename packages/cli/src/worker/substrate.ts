/**
 * Where a worker's rollouts run: `docker` (a container of the environment's deployed image, the lease's
 * `environment.image`, one Docker provider per lease so its containers carry the job's label and go with
 * it) or `local` (a child process serving the env file of the worker's directory that declares the
 * environment, one pooled `LocalRuntime` per file for the worker's life).
 */

import type { Logger } from '@hud/environment';
import type { Provider, TaskRow } from '@hud/protocol';
import { LocalRuntime } from '@hud/runtimes-local';
import { dockerProvider, hasImage } from '../eval/provider-choice.js';
import { localEnvironments } from '../eval/row-environments.js';
import { loadDockerRuntime } from '../optional-package.js';
import { fileTrackingEnabled } from '../settings.js';
import type { Lease, WorkerRuntime } from './lease.js';

/**
 * A rollout that cannot run on this worker: `retry` gives the lease back (another worker, or a later
 * attempt, may run it); otherwise the rollout is recorded as an error with this message.
 */
export class SubstrateRefusal extends Error {
  readonly retry: boolean;
  constructor(message: string, options: { retry: boolean }) {
    super(message);
    this.name = 'SubstrateRefusal';
    this.retry = options.retry;
  }
}

/** The provider of one lease's rollout and what to release when it ends. */
export interface LeaseSubstrate {
  provider: Provider;
  /** Removes what the lease left (its containers). Never throws. */
  close(): Promise<void>;
}

/** A worker's runtime. */
export interface Substrate {
  readonly runtime: WorkerRuntime;
  /**
   * The provider for `lease`, whose row (verifier included) is `row`.
   * @throws SubstrateRefusal when this worker cannot run it.
   */
  forLease(lease: Lease, row: TaskRow): Promise<LeaseSubstrate>;
  /** Whether a provisioning failure means the image is missing (recorded as an error, not retried). */
  isMissingImage(error: unknown): boolean;
  /** Removes containers of earlier workers that were killed (Docker); none for `local`. */
  reapOrphans(): Promise<{ removed: readonly string[] }>;
  /** Closes every provider still open (containers removed, children stopped). */
  close(): Promise<void>;
}

/** Options of {@link createSubstrate}. */
export interface SubstrateOptions {
  runtime: WorkerRuntime;
  /** The worker's directory: env files for `local`. */
  cwd: string;
  /** Packages lent to env files (`hudModuleFallbacks()`). */
  fallbacks: Readonly<Record<string, string>>;
  /** Rollouts at once: the local pool's warm children (at most 2). */
  concurrency: number;
  readyTimeoutMs?: number;
  logger?: Logger;
}

/** The environments a row needs: its own and its verifier's. */
const rowEnvs = (row: TaskRow): string[] => [
  ...new Set([row.env, ...(row.verifier ? [row.verifier.env] : [])]),
];

/**
 * The substrate of `options.runtime`.
 * @throws MissingPackageError when `docker` needs `@hud/runtimes-docker` and it is not installed.
 */
export async function createSubstrate(options: SubstrateOptions): Promise<Substrate> {
  return options.runtime === 'docker' ? dockerSubstrate(options) : localSubstrate(options);
}

async function dockerSubstrate(options: SubstrateOptions): Promise<Substrate> {
  const docker = await loadDockerRuntime('hud worker --runtime docker');
  const open = new Set<ReturnType<typeof dockerProvider>>();
  return {
    runtime: 'docker',
    async forLease(lease, row) {
      const image = lease.environment.image ?? undefined;
      const unplaced = [row, ...(row.verifier ? [row.verifier] : [])].filter(
        (part) => !hasImage(part) && (part.env !== lease.environment.name || !image),
      );
      if (unplaced.length > 0) {
        const envs = [...new Set(unplaced.map((part) => part.env))].map((env) => `'${env}'`);
        throw new SubstrateRefusal(
          `environment ${envs.join(', ')} has no deployed image (never deployed): deploy it with hud deploy, or serve it from a worker in a folder with its env file (hud worker --runtime local), then submit again`,
          { retry: false },
        );
      }
      const provider = dockerProvider(
        docker,
        {
          runtime: 'docker',
          source: options.cwd,
          prewarm: 0,
          readyTimeoutMs: options.readyTimeoutMs,
          job: () => lease.job_id,
          ...(options.logger ? { logger: options.logger } : {}),
        },
        undefined,
        () => image,
      );
      open.add(provider);
      return {
        provider,
        close: async () => {
          open.delete(provider);
          await provider.close().catch((error: unknown) => {
            options.logger?.warn(`removing the containers of ${lease.trace_id}: ${String(error)}`);
          });
        },
      };
    },
    isMissingImage: (error) =>
      (error as { code?: unknown } | undefined)?.code === 'image_not_found',
    reapOrphans: () => docker.reapOrphans(),
    async close() {
      await Promise.allSettled([...open].map((provider) => provider.close()));
      open.clear();
    },
  };
}

function localSubstrate(options: SubstrateOptions): Substrate {
  let declared: Map<string, string> | undefined;
  const runtimes = new Map<string, ReturnType<typeof LocalRuntime>>();
  const runtimeFor = (file: string) => {
    let runtime = runtimes.get(file);
    if (!runtime) {
      runtime = LocalRuntime(file, {
        prewarm: Math.min(options.concurrency, 2),
        readyTimeoutMs: options.readyTimeoutMs,
        fallbacks: options.fallbacks,
        fileTracking: fileTrackingEnabled(process.env.HUD_FILE_TRACKING_ENABLED),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      runtimes.set(file, runtime);
    }
    return runtime;
  };
  return {
    runtime: 'local',
    async forLease(_lease, row) {
      if (hasImage(row) || (row.verifier && hasImage(row.verifier))) {
        throw new SubstrateRefusal(
          `task '${row.slug}' names its own image (runtime_config.image): a --runtime local worker cannot run it; start a --runtime docker worker`,
          { retry: true },
        );
      }
      const envs = rowEnvs(row);
      // Scanned once; again when an environment is missing (an env file may have been added since).
      if (!declared || envs.some((env) => !declared?.has(env)))
        declared = await localEnvironments(options.cwd, options.fallbacks);
      const missing = envs.filter((env) => !declared?.has(env));
      if (missing.length > 0) {
        throw new SubstrateRefusal(
          `no env file in ${options.cwd} (or its subfolders) declares environment ${missing.map((env) => `'${env}'`).join(', ')}: run this worker in the environment's folder, or use --runtime docker`,
          { retry: true },
        );
      }
      const files = declared;
      const provider: Provider = (task, provideOptions) => {
        const file = files.get(task.env);
        if (!file) throw new Error(`no env file declares environment '${task.env}'`);
        return runtimeFor(file)(task, provideOptions);
      };
      return { provider, close: async () => {} };
    },
    isMissingImage: () => false,
    reapOrphans: async () => ({ removed: [] }),
    async close() {
      await Promise.allSettled([...runtimes.values()].map((runtime) => runtime.close()));
      runtimes.clear();
    },
  };
}
