import { isRecord, type JsonObject } from '@hud/protocol';

/** What a task's `runtime_config` asks of a sandbox (hud-python `RuntimeConfig`, spec §5.1). */
export interface SandboxSettings {
  /** `runtime_config.image`: the environment's image (for E2B, a template name or id). */
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

/** The two codes a `runtime_config` check fails with. */
export type RuntimeConfigErrorCode = 'invalid_argument' | 'unsupported';

/** Makes the runtime's own error (e.g. `new E2BRuntimeError(code, message)`) for a failed check. */
export type RuntimeConfigError = (code: RuntimeConfigErrorCode, message: string) => Error;

const TOP_KEYS = new Set(['image', 'compose', 'resources', 'limits']);
const SECTION_KEYS: Readonly<Record<'resources' | 'limits', ReadonlySet<string>>> = {
  resources: new Set(['cpu', 'memory_mb', 'storage_mb', 'gpu', 'os', 'tpu']),
  limits: new Set(['startup_timeout_s', 'run_timeout_s']),
};

/**
 * `base` with `override` laid over it, section by section (hud-python `RuntimeConfig.with_overrides`):
 * `resources` and `limits` objects are merged key by key, any other key is replaced.
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
 * The checks of one task's `runtime_config` (keys `image`, `compose`, `resources {cpu, memory_mb,
 * storage_mb, gpu, os, tpu}`, `limits {startup_timeout_s, run_timeout_s}`; unknown keys refused as
 * pydantic's `extra="forbid"` does), each failure made by the runtime's `error` with a message naming the
 * task: `runtime_config of '<slug>': <what>` for `invalid_argument`.
 */
export class RuntimeConfigReader {
  /** The task, for messages. */
  readonly slug: string;
  readonly #error: RuntimeConfigError;

  constructor(slug: string, error: RuntimeConfigError) {
    this.slug = slug;
    this.#error = error;
  }

  /** An `invalid_argument` error: `runtime_config of '<slug>': <message>`. */
  invalid(message: string): Error {
    return this.#error('invalid_argument', `runtime_config of '${this.slug}': ${message}`);
  }

  /** An `unsupported` error with `message` as it is. */
  unsupported(message: string): Error {
    return this.#error('unsupported', message);
  }

  /** @throws the runtime's error (`invalid_argument`, `unknown key '<key>'`) for a key out of the schema. */
  checkKeys(config: JsonObject): void {
    for (const key of Object.keys(config)) {
      if (!TOP_KEYS.has(key)) throw this.invalid(`unknown key '${key}'`);
    }
  }

  /**
   * `config.image` when set.
   * @throws the runtime's error (`invalid_argument`) when it is not a non-empty string.
   */
  image(config: JsonObject): string | undefined {
    if (config.image === undefined || config.image === null) return undefined;
    if (typeof config.image !== 'string' || config.image.trim() === '') {
      throw this.invalid('image must be a non-empty string');
    }
    return config.image;
  }

  /**
   * The `resources` or `limits` object (`{}` when absent or null).
   * @throws the runtime's error (`invalid_argument`) when it is not an object or holds an unknown key.
   */
  section(config: JsonObject, key: 'resources' | 'limits'): JsonObject {
    const value = config[key];
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) throw this.invalid(`${key} must be an object`);
    for (const name of Object.keys(value)) {
      if (!SECTION_KEYS[key].has(name)) throw this.invalid(`unknown key ${key}.${name}`);
    }
    return value;
  }

  /**
   * `value` (named `name` in messages) as a positive finite number, or undefined when absent or null.
   * @throws the runtime's error (`invalid_argument`) for anything else.
   */
  positive(value: unknown, name: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw this.invalid(`${name} must be a positive number, got ${JSON.stringify(value)}`);
    }
    return value;
  }
}

/** What a vendor runtime says when it refuses a `runtime_config` (see {@link sandboxSettings}). */
export interface SandboxSettingsOptions {
  /** Makes the runtime's error. */
  error: RuntimeConfigError;
  /** Why `compose` is refused: `task '<slug>' asks for a compose project: <compose>`. */
  compose: string;
  /** Why `resources.gpu`, `os` and `tpu` are refused: `task '<slug>' asks for resources.<key>: <resources>`. */
  resources: string;
}

/**
 * The sandbox settings a `runtime_config` asks for, for a runtime that runs one image per sandbox and has no
 * GPUs, OS choice or TPUs to offer. Seconds become ms; numbers are not rounded.
 * @param slug the task, for messages.
 * @throws `options.error(...)`: `invalid_argument` for unknown keys, a bad image and non-positive numbers;
 *   `unsupported` for `compose`, `resources.gpu`, `os` and `tpu`.
 */
export function sandboxSettings(
  config: JsonObject | null | undefined,
  slug: string,
  options: SandboxSettingsOptions,
): SandboxSettings {
  if (!config) return {};
  const read = new RuntimeConfigReader(slug, options.error);
  read.checkKeys(config);
  if (config.compose !== undefined && config.compose !== null) {
    throw read.unsupported(`task '${slug}' asks for a compose project: ${options.compose}`);
  }
  const settings: SandboxSettings = {};
  const image = read.image(config);
  if (image !== undefined) settings.image = image;
  const resources = read.section(config, 'resources');
  for (const key of ['gpu', 'os', 'tpu'] as const) {
    if (resources[key] !== undefined && resources[key] !== null) {
      throw read.unsupported(`task '${slug}' asks for resources.${key}: ${options.resources}`);
    }
  }
  settings.cpu = read.positive(resources.cpu, 'resources.cpu');
  settings.memoryMb = read.positive(resources.memory_mb, 'resources.memory_mb');
  settings.storageMb = read.positive(resources.storage_mb, 'resources.storage_mb');
  const limits = read.section(config, 'limits');
  const startup = read.positive(limits.startup_timeout_s, 'limits.startup_timeout_s');
  if (startup !== undefined) settings.startupTimeoutMs = startup * 1000;
  const run = read.positive(limits.run_timeout_s, 'limits.run_timeout_s');
  if (run !== undefined) settings.runTimeoutMs = run * 1000;
  for (const key of Object.keys(settings) as (keyof SandboxSettings)[]) {
    if (settings[key] === undefined) delete settings[key];
  }
  return settings;
}
