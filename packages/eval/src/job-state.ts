import type { JobMeta } from './job-meta.js';
import { ownerState } from './job-owner.js';

/** A job's status as a reader sees it: `job.json`'s, with `interrupted` for a running job whose owner is gone. */
export type JobState = JobMeta['status'] | 'interrupted';

/**
 * The status of job `meta` as a reader sees it: `interrupted` when `job.json` says `running` but its
 * owner process is gone (killed by SIGKILL, a crash, a second Ctrl-C); otherwise `meta.status`.
 */
export function jobState(meta: Pick<JobMeta, 'status' | 'owner'>): JobState {
  if (meta.status === 'running' && ownerState(meta.owner) === 'gone') return 'interrupted';
  return meta.status;
}
