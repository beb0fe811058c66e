import type { TaskRow } from '@hud/protocol';
import { DockerRuntimeError } from './errors.js';
import { type ContainerSettings, containerSettings, mergeRuntimeConfig } from './runtime-config.js';
import type { DockerRuntimeOptions } from './runtime-types.js';

/** What a task needs of a container; tasks with equal `key`s can share prewarmed containers. */
export interface Plan {
  /** The image and settings as one string. */
  readonly key: string;
  readonly image: string;
  readonly settings: ContainerSettings;
  /** How long the control port may take to answer `hello`, ms. */
  readonly timeoutMs: number;
}

/**
 * The container `task` needs: the provider's `image`, else its `runtime_config.image`, else
 * `options.imageFor(task)`; its `runtime_config` laid over the provider's.
 * @throws DockerRuntimeError `invalid_argument` (no image, a malformed `runtime_config`), `unsupported`.
 * @internal
 */
export function planContainer(
  task: TaskRow,
  image: string | undefined,
  options: DockerRuntimeOptions,
): Plan {
  const settings = containerSettings(
    mergeRuntimeConfig(options.runtimeConfig, task.runtime_config),
    task.slug,
  );
  const chosen = image ?? settings.image ?? options.imageFor?.(task);
  if (!chosen) {
    throw new DockerRuntimeError(
      'invalid_argument',
      `no image for task '${task.slug}' (env '${task.env}'): set runtime_config.image on the row, build one with \`hud build <env dir>\`, or pass --runtime docker:<image>`,
    );
  }
  return {
    key: JSON.stringify([chosen, settings]),
    image: chosen,
    settings,
    timeoutMs: settings.startupTimeoutMs ?? options.readyTimeoutMs ?? 120_000,
  };
}

/**
 * `promise`, or `signal`'s reason as soon as it aborts (`promise` keeps running).
 * @internal
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
