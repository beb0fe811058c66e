import { z } from 'zod';
import { confirm } from '../prompt.js';
import { loadSettings } from '../settings.js';
import { platformClient } from './client.js';

/** The flags of `hud cancel` as commander parses them. */
export interface CancelFlags {
  traceId?: string;
  all?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** `POST /v2/rollouts/cancel` → `{trace_id, status}`: `accepted`, `not_found` or `finished`. */
const TraceCancel = z.looseObject({ status: z.string().nullable().optional() });
/** `POST /v2/rollouts/cancel_job` → `{job_id, found, cancelled}`. */
const JobCancel = z.looseObject({
  found: z.boolean().nullable().optional(),
  cancelled: z.number().nullable().optional(),
});
/** `POST /v2/rollouts/cancel_user_jobs` → `{jobs_cancelled, total_tasks_cancelled, job_details}`. */
const AllCancel = z.looseObject({
  jobs_cancelled: z.number().nullable().optional(),
  total_tasks_cancelled: z.number().nullable().optional(),
});

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The action of `hud cancel` (spec §9.8): `--all` → `POST /v2/rollouts/cancel_user_jobs {}` (after a
 * confirmation unless `--yes`); `--trace-id` → `POST /v2/rollouts/cancel {trace_id, job_id?}`; a job id →
 * `POST /v2/rollouts/cancel_job {job_id}`. Cancels are marks the workers obey; runs that already ended
 * keep their outcome. Exits 1 when the job or trace is unknown.
 * @throws Error when nothing to cancel is named, or `--all` is combined with a job or trace;
 *   PlatformError (401 with the `hud login` hint, unreachable, …).
 */
export async function cancelAction(jobId: string | undefined, flags: CancelFlags): Promise<void> {
  if (flags.all && (jobId || flags.traceId)) {
    throw new Error(
      'hud cancel --all cancels every running job: give no job id or --trace-id with it',
    );
  }
  if (!flags.all && !jobId && !flags.traceId) {
    throw new Error('name what to cancel: a job id, --trace-id <id>, or --all');
  }
  const client = platformClient(loadSettings());
  if (flags.all) {
    const question = 'Cancel every running job of your team?';
    const refusal =
      'Cancel every running job of your team: pass --yes to confirm without a terminal';
    if (!(await confirm(question, { yes: flags.yes, refusal }))) {
      console.log('nothing cancelled');
      return;
    }
    const answer = await client.post('/v2/rollouts/cancel_user_jobs', {}, { schema: AllCancel });
    if (flags.json) return console.log(JSON.stringify(answer));
    console.log(
      `cancel requested for ${plural(answer.jobs_cancelled ?? 0, 'job')} (${plural(answer.total_tasks_cancelled ?? 0, 'running trace')})`,
    );
    return;
  }
  if (flags.traceId) {
    const answer = await client.post(
      '/v2/rollouts/cancel',
      { trace_id: flags.traceId, ...(jobId ? { job_id: jobId } : {}) },
      { schema: TraceCancel },
    );
    if (flags.json) console.log(JSON.stringify(answer));
    else if (answer.status === 'accepted')
      console.log(`cancel requested for trace ${flags.traceId}`);
    else if (answer.status === 'finished')
      console.log(`trace ${flags.traceId} already finished: nothing to cancel`);
    else console.error(`hud: no trace ${flags.traceId} on ${client.urls.api}`);
    if (answer.status === 'not_found') process.exitCode = 1;
    return;
  }
  const id = jobId as string;
  const answer = await client.post(
    '/v2/rollouts/cancel_job',
    { job_id: id },
    { schema: JobCancel },
  );
  if (flags.json) console.log(JSON.stringify(answer));
  else if (answer.found === false) console.error(`hud: no job ${id} on ${client.urls.api}`);
  else
    console.log(
      `cancel requested for job ${id}: ${plural(answer.cancelled ?? 0, 'running trace')} marked`,
    );
  if (answer.found === false) process.exitCode = 1;
}
