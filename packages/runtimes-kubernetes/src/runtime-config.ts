import { isRecord, type JsonObject } from '@hud/protocol';
import { RuntimeConfigReader } from '@hud/runtime-kit';
import { KubernetesRuntimeError } from './errors.js';

export { mergeRuntimeConfig } from '@hud/runtime-kit';

/** What a task's `runtime_config` asks of a pod, in Kubernetes units. */
export interface PodSettings {
  /** `runtime_config.image`. */
  image?: string;
  /**
   * The container's resource quantities, as both requests and limits (Guaranteed QoS): `cpu` from
   * `resources.cpu` (cores, e.g. `"0.5"`), `memory` from `resources.memory_mb` (`"<n>Mi"`),
   * `ephemeral-storage` from `resources.storage_mb` (`"<n>Mi"`), `nvidia.com/gpu` from `resources.gpu.count`.
   */
  resources: Record<string, string>;
  /** `limits.startup_timeout_s` in ms: how long the pod may take to answer `hello`. */
  startupTimeoutMs?: number;
  /** `limits.run_timeout_s` in whole seconds: the pod's `activeDeadlineSeconds`. */
  runTimeoutS?: number;
}

/**
 * The pod settings a `runtime_config` asks for (hud-python `RuntimeConfig`, spec §5.1: `image`,
 * `resources {cpu, memory_mb, storage_mb, gpu {type, count}}`, `limits {startup_timeout_s,
 * run_timeout_s}`; unknown keys are refused as pydantic's `extra="forbid"` does).
 * @param slug the task, for messages.
 * @throws KubernetesRuntimeError `invalid_argument` for unknown keys and non-positive numbers;
 *   `unsupported` for `compose`, GPU `type`, `os` and `tpu`.
 */
export function podSettings(config: JsonObject | null | undefined, slug: string): PodSettings {
  const settings: PodSettings = { resources: {} };
  if (!config) return settings;
  const read = new RuntimeConfigReader(
    slug,
    (code, message) => new KubernetesRuntimeError(code, message),
  );
  read.checkKeys(config);
  if (config.compose !== undefined && config.compose !== null) {
    throw new KubernetesRuntimeError(
      'unsupported',
      `task '${slug}' asks for a compose project: the Kubernetes runtime runs one image per pod (set runtime_config.image)`,
    );
  }
  const image = read.image(config);
  if (image !== undefined) settings.image = image;
  const resources = read.section(config, 'resources');
  const cpu = read.positive(resources.cpu, 'resources.cpu');
  if (cpu !== undefined) settings.resources.cpu = String(cpu);
  const memory = read.positive(resources.memory_mb, 'resources.memory_mb');
  if (memory !== undefined) settings.resources.memory = `${Math.ceil(memory)}Mi`;
  const storage = read.positive(resources.storage_mb, 'resources.storage_mb');
  if (storage !== undefined) settings.resources['ephemeral-storage'] = `${Math.ceil(storage)}Mi`;
  for (const key of ['os', 'tpu'] as const) {
    if (resources[key] !== undefined && resources[key] !== null) {
      throw new KubernetesRuntimeError(
        'unsupported',
        `task '${slug}' asks for resources.${key}: the Kubernetes runtime cannot choose ${key === 'os' ? 'an operating system' : 'TPUs'}`,
      );
    }
  }
  if (resources.gpu !== undefined && resources.gpu !== null) {
    const gpu = resources.gpu;
    if (!isRecord(gpu)) throw read.invalid('resources.gpu must be an object');
    if (gpu.type !== undefined && gpu.type !== null) {
      throw new KubernetesRuntimeError(
        'unsupported',
        `task '${slug}' asks for GPU type ${JSON.stringify(gpu.type)}: the Kubernetes runtime can request a GPU count only (nvidia.com/gpu)`,
      );
    }
    const count = gpu.count ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw read.invalid(
        `resources.gpu.count must be an integer ≥ 1, got ${JSON.stringify(count)}`,
      );
    }
    settings.resources['nvidia.com/gpu'] = String(count);
  }
  const limits = read.section(config, 'limits');
  const startup = read.positive(limits.startup_timeout_s, 'limits.startup_timeout_s');
  if (startup !== undefined) settings.startupTimeoutMs = startup * 1000;
  const run = read.positive(limits.run_timeout_s, 'limits.run_timeout_s');
  if (run !== undefined) settings.runTimeoutS = Math.ceil(run);
  return settings;
}
