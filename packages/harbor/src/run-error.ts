/** What went wrong while running a Harbor trial. */
export type HarborRunErrorCode =
  | 'image_build_failed'
  | 'environment_start_failed'
  | 'healthcheck_failed'
  | 'exec_failed'
  | 'task_changed'
  | 'closed';

/**
 * A failure of the Harbor runtime (building, starting, probing or driving a task's containers). Its
 * message names the task, the container role and the engine's or the command's own words.
 */
export class HarborRunError extends Error {
  readonly code: HarborRunErrorCode;
  constructor(code: HarborRunErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HarborRunError';
    this.code = code;
  }
}
