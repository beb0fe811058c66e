import { isRecord, type JsonObject } from '@hud/protocol';
import { KubernetesRuntimeError } from './errors.js';

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

const TOP_KEYS = new Set(['image', 'compose', 'resources', 'limits']);
const RESOURCE_KEYS = new Set(['cpu', 'memory_mb', 'storage_mb', 'gpu', 'os', 'tpu']);
const LIMIT_KEYS = new Set(['startup_timeout_s', 'run_timeout_s']);

function invalid(slug: string, message: string): KubernetesRuntimeError {
  return new KubernetesRuntimeError('invalid_argument', `runtime_config of '${slug}': ${message}`);
}

function section(config: JsonObject, key: string, keys: Set<string>, slug: string): JsonObject {
  const value = config[key];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid(slug, `${key} must be an object`);
  for (const name of Object.keys(value)) {
    if (!keys.has(name)) throw invalid(slug, `unknown key ${key}.${name}`);
  }
  return value;
}

function positive(value: unknown, name: string, slug: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(slug, `${name} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * `base` with `override` laid over it, section by section (hud-python `RuntimeConfig.with_overrides`).
 */
export function mergeRuntimeConfig(
  base: JsonObject | null | undefined,
  override: JsonObject | null | undefined,
): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    const previous = merged[key];
    merged[key] =
      (key === 'resources' || key === 'limits') && isRecord(previous) && isRecord(value)
        ? { ...previous, ...value }
        : value;
  }
  return merged;
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
  for (const key of Object.keys(config)) {
    if (!TOP_KEYS.has(key)) throw invalid(slug, `unknown key '${key}'`);
  }
  if (config.compose !== undefined && config.compose !== null) {
    throw new KubernetesRuntimeError(
      'unsupported',
      `task '${slug}' asks for a compose project: the Kubernetes runtime runs one image per pod (set runtime_config.image)`,
    );
  }
  if (config.image !== undefined && config.image !== null) {
    if (typeof config.image !== 'string' || config.image.trim() === '') {
      throw invalid(slug, 'image must be a non-empty string');
    }
    settings.image = config.image;
  }
  const resources = section(config, 'resources', RESOURCE_KEYS, slug);
  const cpu = positive(resources.cpu, 'resources.cpu', slug);
  if (cpu !== undefined) settings.resources.cpu = String(cpu);
  const memory = positive(resources.memory_mb, 'resources.memory_mb', slug);
  if (memory !== undefined) settings.resources.memory = `${Math.ceil(memory)}Mi`;
  const storage = positive(resources.storage_mb, 'resources.storage_mb', slug);
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
    if (!isRecord(gpu)) throw invalid(slug, 'resources.gpu must be an object');
    if (gpu.type !== undefined && gpu.type !== null) {
      throw new KubernetesRuntimeError(
        'unsupported',
        `task '${slug}' asks for GPU type ${JSON.stringify(gpu.type)}: the Kubernetes runtime can request a GPU count only (nvidia.com/gpu)`,
      );
    }
    const count = gpu.count ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw invalid(
        slug,
        `resources.gpu.count must be an integer ≥ 1, got ${JSON.stringify(count)}`,
      );
    }
    settings.resources['nvidia.com/gpu'] = String(count);
  }
  const limits = section(config, 'limits', LIMIT_KEYS, slug);
  const startup = positive(limits.startup_timeout_s, 'limits.startup_timeout_s', slug);
  if (startup !== undefined) settings.startupTimeoutMs = startup * 1000;
  const run = positive(limits.run_timeout_s, 'limits.run_timeout_s', slug);
  if (run !== undefined) settings.runTimeoutS = Math.ceil(run);
  return settings;
}
