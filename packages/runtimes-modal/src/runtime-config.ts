import { isRecord, type JsonObject } from '@hud/protocol';
import { ModalRuntimeError } from './errors.js';

/** What a task's `runtime_config` asks of a sandbox (hud-python `RuntimeConfig`, spec §5.1). */
export interface SandboxSettings {
  /** `runtime_config.image`: the environment's image. */
  image?: string;
  /** `resources.cpu` (cores). */
  cpu?: number;
  /** `resources.memory_mb` (MiB). */
  memoryMb?: number;
  /** `resources.storage_mb` (MiB). */
  storageMb?: number;
  /** `limits.startup_timeout_s` in ms: how long the control port may take to answer `hello`. */
  startupTimeoutMs?: number;
  /** `limits.run_timeout_s` in ms: the sandbox's lifetime. */
  runTimeoutMs?: number;
}

const TOP_KEYS = new Set(['image', 'compose', 'resources', 'limits']);
const RESOURCE_KEYS = new Set(['cpu', 'memory_mb', 'storage_mb', 'gpu', 'os', 'tpu']);
const LIMIT_KEYS = new Set(['startup_timeout_s', 'run_timeout_s']);

const invalid = (slug: string, message: string) =>
  new ModalRuntimeError('invalid_argument', `runtime_config of '${slug}': ${message}`);

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
 * The sandbox settings a `runtime_config` asks for. Unknown keys are refused as pydantic's
 * `extra="forbid"` does.
 * @param slug the task, for messages.
 * @throws ModalRuntimeError `invalid_argument` for unknown keys and non-positive numbers; `unsupported` for
 *   `compose`, `resources.gpu`, `os` and `tpu`, which a Modal sandbox cannot honour here.
 */
export function sandboxSettings(
  config: JsonObject | null | undefined,
  slug: string,
): SandboxSettings {
  if (!config) return {};
  for (const key of Object.keys(config)) {
    if (!TOP_KEYS.has(key)) throw invalid(slug, `unknown key '${key}'`);
  }
  if (config.compose !== undefined && config.compose !== null) {
    throw new ModalRuntimeError(
      'unsupported',
      `task '${slug}' asks for a compose project: the hud-ts Modal runtime runs one image per sandbox`,
    );
  }
  const settings: SandboxSettings = {};
  if (config.image !== undefined && config.image !== null) {
    if (typeof config.image !== 'string' || config.image.trim() === '') {
      throw invalid(slug, 'image must be a non-empty string');
    }
    settings.image = config.image;
  }
  const resources = section(config, 'resources', RESOURCE_KEYS, slug);
  for (const key of ['gpu', 'os', 'tpu'] as const) {
    if (resources[key] !== undefined && resources[key] !== null) {
      throw new ModalRuntimeError(
        'unsupported',
        `task '${slug}' asks for resources.${key}: Modal sandboxes cannot provide it here`,
      );
    }
  }
  settings.cpu = positive(resources.cpu, 'resources.cpu', slug);
  settings.memoryMb = positive(resources.memory_mb, 'resources.memory_mb', slug);
  settings.storageMb = positive(resources.storage_mb, 'resources.storage_mb', slug);
  const limits = section(config, 'limits', LIMIT_KEYS, slug);
  const startup = positive(limits.startup_timeout_s, 'limits.startup_timeout_s', slug);
  if (startup !== undefined) settings.startupTimeoutMs = startup * 1000;
  const run = positive(limits.run_timeout_s, 'limits.run_timeout_s', slug);
  if (run !== undefined) settings.runTimeoutMs = run * 1000;
  for (const key of Object.keys(settings) as (keyof SandboxSettings)[]) {
    if (settings[key] === undefined) delete settings[key];
  }
  return settings;
}
