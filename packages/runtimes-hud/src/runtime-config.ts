import { isRecord, type TaskRow } from '@hud/protocol';
import { HudRuntimeError } from './errors.js';

/** What a row's `runtime_config` asks that the hosted runtime ignores (it warns once instead). */
export type IgnoredResource = 'cpu' | 'memory_mb' | 'storage_mb';

/**
 * Checks a row's `runtime_config` as hud-python's `HUDRuntime` does: GPUs, an OS, TPUs and limits are
 * refused; cpu, memory and storage are ignored (returned, so the caller warns once).
 * @throws HudRuntimeError `unsupported` naming the task and what it asks.
 */
export function checkRuntimeConfig(task: TaskRow): IgnoredResource[] {
  const config = task.runtime_config;
  if (!config) return [];
  const resources = isRecord(config.resources) ? config.resources : {};
  const refused = (['gpu', 'os', 'tpu'] as const)
    .filter((key) => resources[key] !== undefined && resources[key] !== null)
    .map((key) => `resources.${key}`);
  if (isRecord(config.limits) && Object.keys(config.limits).length > 0) refused.push('limits');
  if (refused.length > 0) {
    throw new HudRuntimeError(
      'unsupported',
      `the hosted runtime cannot honour ${refused.join(', ')} of task '${task.slug}' (runtime_config ${JSON.stringify(config)}): run it with --runtime docker, or drop them from the row`,
    );
  }
  return (['cpu', 'memory_mb', 'storage_mb'] as const).filter(
    (key) => resources[key] !== undefined && resources[key] !== null,
  );
}
