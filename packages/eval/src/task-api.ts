import type { TaskRow } from '@hud/protocol';
import type { Job } from './job.js';
import type { RunOptions } from './run-options.js';
import { type ParseTaskOptions, parseTask } from './task.js';
import { Taskset } from './taskset.js';

/** A task: a template bound to arguments, the row `{env, id, args, slug, ...}` (hud-python `Task`). */
export type Task = TaskRow;

/**
 * Helpers for single tasks. Tasks are plain rows (so they serialise and sync unchanged); these are the
 * hud-python `Task` methods as functions.
 */
export const Task = {
  /** Validates a row; see {@link parseTask}. @throws HudEvalError `invalid_task`. */
  parse(value: unknown, options?: ParseTaskOptions): TaskRow {
    return parseTask(value, options);
  },
  /**
   * Runs one task: a one-task taskset named after its slug (hud-python `Task.run`); the job is named after
   * the task id.
   * @throws HudEvalError `invalid_task`, `invalid_argument`.
   */
  run(task: TaskRow, options: RunOptions): Promise<Job> {
    return new Taskset(task.slug, [task]).run(options);
  },
} as const;
