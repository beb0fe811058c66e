import type { JobMeta, JobStore, RunRecord } from '@hud/eval';
import { atifOfRun, parseFormat } from './jobs-export.js';
import type { TraceFlags } from './trace-show.js';

/**
 * `hud trace <trace-id> --format atif`: the run as an ATIF v1.7 trajectory, found in job `flags.job` of
 * `store` or else in whichever job recorded it (its latest attempt under that trace id).
 * @throws Error for a `--format` other than `atif`, or when no job of the store recorded the trace;
 *   MissingPackageError without `@hud/harbor`.
 */
export async function traceAtif(
  store: JobStore,
  traceId: string,
  flags: TraceFlags,
): Promise<unknown> {
  parseFormat(flags.format, ['atif']);
  const jobs = await store.listJobs();
  const candidates = flags.job ? jobs.filter((job) => job.id.startsWith(flags.job ?? '')) : jobs;
  for (const meta of candidates) {
    const runs = await store.readRuns(meta.id).catch(() => [] as RunRecord[]);
    const record = runs.findLast((run) => run.trace_id === traceId);
    if (record) return atifOfRun(store, meta as JobMeta, record, 'hud trace --format atif');
  }
  throw new Error(`no run with trace '${traceId}' in ${store.root}`);
}
