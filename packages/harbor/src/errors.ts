import { codedError } from '@hud/protocol';

/**
 * A Harbor task that cannot be read: bad TOML, a wrong type in `task.toml`, a missing instruction or
 * environment. `code` is stable and dotted like hud-python's adapt findings (`harbor.invalid.toml`,
 * `harbor.invalid.task_config`, `harbor.invalid.instruction_missing`, …); the message names the file and,
 * for `task.toml`, the line/column or the key. A dataset loader turns it into an `invalid` finding.
 */
export class HarborLoadError extends codedError<string>(
  'HarborLoadError',
  'hud.harbor-load-error',
) {}

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
export class HarborRunError extends codedError<HarborRunErrorCode>(
  'HarborRunError',
  'hud.harbor-run-error',
) {}
