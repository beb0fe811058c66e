/**
 * The substrates of hosted runtime sessions (`--runtime hud` on the client side): one per session, started
 * from the environment's deployed image (Docker) or from the env file of the worker's directory that
 * declares it (local).
 */

import type { Logger } from '@hud/environment';
import type { RuntimeLease, TaskRow } from '@hud/protocol';
import { LocalRuntime } from '@hud/runtimes-local';
import { dockerProvider } from '../eval/provider-choice.js';
import { localEnvironments } from '../eval/row-environments.js';
import { loadDockerRuntime } from '../optional-package.js';
import { fileTrackingEnabled } from '../settings.js';

/** What a claimed session says about its environment. */
export interface SessionEnvironment {
  name: string;
  /** The latest deployed image, or null (never deployed). */
  image: string | null;
}

/** Starts substrates for sessions; close it when the worker stops. */
export interface SessionSubstrates {
  /**
   * A running substrate for `environment`, ready (its control port answers `hello`).
   * @throws Error naming the environment when this worker cannot serve it (no image under Docker, no env
   *   file under local); the runtime's error when it does not start; `signal.reason` on abort.
   */
  start(
    sessionId: string,
    environment: SessionEnvironment,
    signal: AbortSignal,
  ): Promise<RuntimeLease>;
  /** Stops every substrate still running. Never throws. */
  close(): Promise<void>;
}

/** The task row a session's substrate is acquired with (a session serves an environment, no task yet). */
function sessionRow(sessionId: string, env: string): TaskRow {
  return { env, id: 'session', slug: `session-${sessionId}`, args: {} };
}

/**
 * The substrates of `runtime`: `docker` runs the session environment's deployed image (through
 * provider-choice's `dockerProvider`, no prewarm: a session holds its container for its whole life);
 * `local` serves the env file of `cwd` (or a direct subfolder) declaring the environment, one
 * `LocalRuntime` per file for the worker's life.
 * @throws MissingPackageError when `docker` needs `@hud/runtimes-docker` and it is not installed.
 */
export async function sessionSubstrates(options: {
  runtime: 'docker' | 'local';
  cwd: string;
  fallbacks: Readonly<Record<string, string>>;
  readyTimeoutMs?: number;
  logger?: Logger;
}): Promise<SessionSubstrates> {
  if (options.runtime === 'docker') {
    const docker = await loadDockerRuntime('hud worker (runtime sessions) --runtime docker');
    const open = new Set<ReturnType<typeof dockerProvider>>();
    return {
      async start(sessionId, environment, signal) {
        if (!environment.image) {
          throw new Error(
            `environment '${environment.name}' has no deployed image (never deployed): deploy it with hud deploy, or serve it from a --runtime local worker`,
          );
        }
        const provider = dockerProvider(
          docker,
          {
            runtime: 'docker',
            source: options.cwd,
            prewarm: 0,
            readyTimeoutMs: options.readyTimeoutMs,
            job: () => `session-${sessionId}`,
            ...(options.logger ? { logger: options.logger } : {}),
          },
          environment.image,
        );
        open.add(provider);
        try {
          const lease = await provider(sessionRow(sessionId, environment.name), { signal });
          return {
            url: lease.url,
            ...(lease.params ? { params: lease.params } : {}),
            ...(lease.signal ? { signal: lease.signal } : {}),
            async [Symbol.asyncDispose]() {
              open.delete(provider);
              await lease[Symbol.asyncDispose]();
              await provider.close();
            },
          };
        } catch (error) {
          open.delete(provider);
          await provider.close().catch(() => {});
          throw error;
        }
      },
      async close() {
        await Promise.allSettled([...open].map((provider) => provider.close()));
        open.clear();
      },
    };
  }
  const runtimes = new Map<string, ReturnType<typeof LocalRuntime>>();
  let declared: Map<string, string> | undefined;
  return {
    async start(sessionId, environment, signal) {
      // Scanned once; again when the environment is missing (an env file may have been added since).
      if (!declared?.has(environment.name))
        declared = await localEnvironments(options.cwd, options.fallbacks);
      const file = declared.get(environment.name);
      if (!file) {
        throw new Error(
          `no env file in ${options.cwd} (or its subfolders) declares environment '${environment.name}': run this worker in the environment's folder, or use --runtime docker`,
        );
      }
      let runtime = runtimes.get(file);
      if (!runtime) {
        runtime = LocalRuntime(file, {
          prewarm: 0,
          readyTimeoutMs: options.readyTimeoutMs,
          fallbacks: options.fallbacks,
          fileTracking: fileTrackingEnabled(process.env.HUD_FILE_TRACKING_ENABLED),
          ...(options.logger ? { logger: options.logger } : {}),
        });
        runtimes.set(file, runtime);
      }
      return runtime(sessionRow(sessionId, environment.name), { signal });
    },
    async close() {
      await Promise.allSettled([...runtimes.values()].map((runtime) => runtime.close()));
      runtimes.clear();
    },
  };
}
