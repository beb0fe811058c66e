const BRAND = Symbol.for('hud.harbor-load-error');
const RUN_BRAND = Symbol.for('hud.harbor-run-error');

/**
 * A Harbor task that cannot be read: bad TOML, a wrong type in `task.toml`, a missing instruction or
 * environment. `code` is stable and dotted like hud-python's adapt findings (`harbor.invalid.toml`,
 * `harbor.invalid.task_config`, `harbor.invalid.instruction_missing`, …); the message names the file and,
 * for `task.toml`, the line/column or the key. A dataset loader turns it into an `invalid` finding.
 */
export class HarborLoadError extends Error {
  /** True for any HarborLoadError, including copies from another install of this package. */
  static isInstance(value: unknown): value is HarborLoadError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }
  readonly [BRAND] = true;
  /** Stable code, e.g. `harbor.invalid.toml`. */
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HarborLoadError';
    this.code = code;
  }
}

/** What went wrong while running a Harbor trial. */
export type HarborRunErrorCode =
  | 'image_build_failed'
  | 'environment_start_failed'
  | 'healthcheck_failed'
  | 'exec_failed'
  | 'step_setup_failed'
  | 'no_solution'
  | 'closed';

/**
 * A failure of the Harbor runtime (building, starting, probing or driving a task's containers). Its
 * message names the task, the container role and the engine's or the command's own words.
 */
export class HarborRunError extends Error {
  /** True for any HarborRunError, including copies from another install of this package. */
  static isInstance(value: unknown): value is HarborRunError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[RUN_BRAND] === true
    );
  }
  readonly [RUN_BRAND] = true;
  readonly code: HarborRunErrorCode;
  constructor(code: HarborRunErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HarborRunError';
    this.code = code;
  }
}
