import type { FastifyInstance } from 'fastify';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId } from '../ids.js';
import { CancelJob, CancelTrace } from '../schemas/platform.js';
import type { TraceCancelOutcome } from '../store/areas/cancels.js';
import type { RouteContext } from './context.js';
import type { RolloutHub } from './workers-hub.js';

/** `POST /v2/rollouts/cancel_user_jobs`: hud-python reads these three fields. */
export interface CancelAllReply {
  jobs_cancelled: number;
  total_tasks_cancelled: number;
  job_details: { job_id: string; cancelled: number }[];
}

/**
 * Cancel marks (`hud cancel`, spec §9.8; `HostedRuntime`, §6.2). Each records the request; workers (part 2)
 * stop what is marked. All answer 200 so hud-python prints its own message:
 * - `POST /v2/rollouts/cancel` `{trace_id, job_id?}` → `{trace_id, status: accepted|not_found|finished}`
 *   (hud-python reports success for `accepted`, else "not found or already finished");
 * - `POST /v2/rollouts/cancel_job` `{job_id}` → `{job_id, found, cancelled}` (running traces marked);
 * - `POST /v2/rollouts/cancel_user_jobs` `{}` → {@link CancelAllReply} (every job of the key's team with a
 *   running or queued trace; the gateway has teams, not users).
 * A hosted rollout still queued is `cancelled` at once; a leased one's worker learns it in its next
 * heartbeat. `hub` (when given) wakes the job streams.
 */
export function registerRolloutRoutes(
  app: FastifyInstance,
  context: RouteContext,
  hub?: RolloutHub,
): void {
  const { cancels } = context.store;

  app.post(
    '/v2/rollouts/cancel',
    async (request): Promise<{ trace_id: string; status: TraceCancelOutcome }> => {
      const body = parseWith(CancelTrace, request.body ?? {}, 'body');
      const traceId = canonicalRunId(body.trace_id, 'trace_id');
      const status = await cancels.cancelTrace({ teamId: authOf(request).teamId, traceId });
      hub?.notifyAll();
      return { trace_id: traceId, status };
    },
  );

  app.post(
    '/v2/rollouts/cancel_job',
    async (request): Promise<{ job_id: string; found: boolean; cancelled: number }> => {
      const body = parseWith(CancelJob, request.body ?? {}, 'body');
      const jobId = canonicalRunId(body.job_id, 'job_id');
      const result = await cancels.cancelJob({ teamId: authOf(request).teamId, jobId });
      hub?.notifyAll();
      return { job_id: jobId, ...result };
    },
  );

  app.post('/v2/rollouts/cancel_user_jobs', async (request): Promise<CancelAllReply> => {
    const jobs = await cancels.cancelTeamJobs(authOf(request).teamId);
    hub?.notifyAll();
    return {
      jobs_cancelled: jobs.length,
      total_tasks_cancelled: jobs.reduce((sum, job) => sum + job.cancelled, 0),
      job_details: jobs,
    };
  });
}
