import { isRecord, type JsonObject } from '@hud/protocol';
import { DockerRuntimeError } from './errors.js';

/** What a task's `runtime_config` asks of a container, in engine units. */
export interface ContainerSettings {
  /** `runtime_config.image`. */
  image?: string;
  /** `resources.cpu` × 10⁹ (the engine's `NanoCpus`; `docker run --cpus`). */
  nanoCpus?: number;
  /** `resources.memory_mb` in bytes (`Memory`; `docker run --memory <mb>m`). */
  memoryBytes?: number;
  /** `resources.storage_mb`: the free space the root file system must have, checked after start. */
  storageMb?: number;
  /** `resources.gpu.count` (`docker run --gpus <count>`). */
  gpuCount?: number;
  /** `limits.startup_timeout_s` in ms: how long the control port may take to answer `hello`. */
  startupTimeoutMs?: number;
  /** `limits.run_timeout_s` in ms: the container is removed this long after it started. */
  runTimeoutMs?: number;
}

const TOP_KEYS = new Set(['image', 'compose', 'resources', 'limits']);
const RESOURCE_KEYS = new Set(['cpu', 'memory_mb', 'storage_mb', 'gpu', 'os', 'tpu']);
const LIMIT_KEYS = new Set(['startup_timeout_s', 'run_timeout_s']);

function invalid(slug: string, message: string): DockerRuntimeError {
  return new DockerRuntimeError('invalid_argument', `runtime_config of '${slug}': ${message}`);
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
 * `base` with `override` laid over it, section by section (hud-python `RuntimeConfig.with_overrides`: a
 * task's `resources.cpu` replaces the provider's, its other resources stay).
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
 * The container settings a `runtime_config` asks for (hud-python `RuntimeConfig`, spec §5.1: `image`,
 * `resources {cpu, memory_mb, storage_mb, gpu {type, count}}`, `limits {startup_timeout_s,
 * run_timeout_s}`; unknown keys are refused as pydantic's `extra="forbid"` does).
 * @param slug the task, for messages.
 * @throws DockerRuntimeError `invalid_argument` for unknown keys and non-positive numbers; `unsupported`
 *   for `compose`, GPU `type`, `os` and `tpu`, which this runtime cannot honour.
 */
export function containerSettings(
  config: JsonObject | null | undefined,
  slug: string,
): ContainerSettings {
  if (!config) return {};
  for (const key of Object.keys(config)) {
    if (!TOP_KEYS.has(key)) throw invalid(slug, `unknown key '${key}'`);
  }
  if (config.compose !== undefined && config.compose !== null) {
    throw new DockerRuntimeError(
      'unsupported',
      `task '${slug}' asks for a compose project: the hud-ts Docker runtime runs single images only (set runtime_config.image)`,
    );
  }
  const settings: ContainerSettings = {};
  if (config.image !== undefined && config.image !== null) {
    if (typeof config.image !== 'string' || config.image.trim() === '') {
      throw invalid(slug, 'image must be a non-empty string');
    }
    settings.image = config.image;
  }
  const resources = section(config, 'resources', RESOURCE_KEYS, slug);
  const cpu = positive(resources.cpu, 'resources.cpu', slug);
  if (cpu !== undefined) settings.nanoCpus = Math.round(cpu * 1e9);
  const memory = positive(resources.memory_mb, 'resources.memory_mb', slug);
  if (memory !== undefined) settings.memoryBytes = Math.round(memory * 1024 * 1024);
  settings.storageMb = positive(resources.storage_mb, 'resources.storage_mb', slug);
  for (const key of ['os', 'tpu'] as const) {
    if (resources[key] !== undefined && resources[key] !== null) {
      throw new DockerRuntimeError(
        'unsupported',
        `task '${slug}' asks for resources.${key}: the Docker runtime cannot choose ${key === 'os' ? 'an operating system' : 'TPUs'}`,
      );
    }
  }
  if (resources.gpu !== undefined && resources.gpu !== null) {
    const gpu = resources.gpu;
    if (!isRecord(gpu)) throw invalid(slug, 'resources.gpu must be an object');
    if (gpu.type !== undefined && gpu.type !== null) {
      // hud-python's DockerRuntime: GPU `type` unsupported (docker --gpus cannot pick a model).
      throw new DockerRuntimeError(
        'unsupported',
        `task '${slug}' asks for GPU type ${JSON.stringify(gpu.type)}: the Docker runtime can request a GPU count only`,
      );
    }
    const count = gpu.count ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw invalid(
        slug,
        `resources.gpu.count must be an integer ≥ 1, got ${JSON.stringify(count)}`,
      );
    }
    settings.gpuCount = count;
  }
  const limits = section(config, 'limits', LIMIT_KEYS, slug);
  const startup = positive(limits.startup_timeout_s, 'limits.startup_timeout_s', slug);
  if (startup !== undefined) settings.startupTimeoutMs = startup * 1000;
  const run = positive(limits.run_timeout_s, 'limits.run_timeout_s', slug);
  if (run !== undefined) settings.runTimeoutMs = run * 1000;
  return settings;
}
