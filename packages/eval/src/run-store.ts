import type { TaskRow } from '@hud/protocol';
import type { JobMeta } from './job-meta.js';
import type { RunRecord } from './run-record.js';
import type { JobWriter } from './store-writer.js';

/**
 * What a run reads and writes of a job store (`RunOptions.store`): the `JobStore` of this package is one.
 * Declared apart from `JobStore` so the runner's options do not import the store (whose `loadTaskset`
 * builds a `Taskset`, whose `run` calls the runner).
 */
export interface RunStore {
  /** Whether job `id` exists. */
  has(id: string): Promise<boolean>;
  /** Creates job `meta.id` with its task rows and opens it for appending. */
  create(meta: JobMeta, tasks: readonly TaskRow[]): Promise<JobWriter>;
  /** Opens existing job `id` for appending (resume). @throws HudEvalError `job_not_found`. */
  reopen(id: string): Promise<JobWriter>;
  /** `job.json` of job `id`. @throws HudEvalError `job_not_found`, `store_corrupt`. */
  openJob(id: string): Promise<JobMeta>;
  /** The task rows of job `id`. @throws HudEvalError `job_not_found`, `store_corrupt`. */
  readTasks(id: string): Promise<TaskRow[]>;
  /** Every run recorded for job `id`, in finishing order. @throws HudEvalError `job_not_found`, `store_corrupt`. */
  readRuns(id: string): Promise<RunRecord[]>;
}
