import type { FastifyInstance } from 'fastify';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId, canonicalUuid } from '../ids.js';
import { JobEnter, TraceEnter, TraceExit } from '../schemas/platform.js';
import type { JobRecord, TraceRecord } from '../store/areas/jobs.js';
import type { RouteContext } from './context.js';

/** The hud-ts extras of a job's `enter` (`agent`, `model`, `total_count`); wrong types are ignored. */
function jobExtras(body: Record<string, unknown>): {
  agent: string | null;
  model: string | null;
  totalCount: number | null;
} {
  const text = (value: unknown) =>
    typeof value === 'string' && value.length <= 1_000 ? value : null;
  const total = body.total_count;
  return {
    agent: text(body.agent),
    model: text(body.model),
    totalCount:
      typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : null,
  };
}

/**
 * The lifecycle reports of hud-python (spec §8.4, under `HUD_API_URL/v2`):
 * - `POST /v2/trace/job/{job_id}/enter` `{name, group, taskset_id?}` (hud-ts adds `agent`, `model`,
 *   `total_count`) → the job ({@link JobRecord});
 * - `POST /v2/trace/{trace_id}/enter` `{job_id, group_id?, task_slug, model?}` → the trace
 *   ({@link TraceRecord}, `running`);
 * - `POST /v2/trace/{trace_id}/exit` `{status, reward, error?, evaluation_result?, stop_reason?,
 *   metadata?}` → the trace.
 * Reports may arrive out of order (a trace before its job, spans before `enter`, `exit` without `enter`):
 * missing rows are created, and an `enter` never reopens a trace that already ended. hud-python ignores
 * the answers; the records are returned for other clients.
 */
export function registerLifecycleRoutes(app: FastifyInstance, context: RouteContext): void {
  const { jobs } = context.store;

  app.post<{ Params: { jobId: string } }>(
    '/v2/trace/job/:jobId/enter',
    async (request): Promise<JobRecord> => {
      const auth = authOf(request);
      const body = parseWith(JobEnter, request.body ?? {}, 'body');
      const tasksetId = body.taskset_id
        ? (canonicalUuid(body.taskset_id) ?? body.taskset_id)
        : null;
      return jobs.enterJob({
        teamId: auth.teamId,
        jobId: canonicalRunId(request.params.jobId, 'job_id'),
        name: body.name,
        group: body.group,
        tasksetId,
        ...jobExtras(body),
      });
    },
  );

  app.post<{ Params: { traceId: string } }>(
    '/v2/trace/:traceId/enter',
    async (request): Promise<TraceRecord> => {
      const auth = authOf(request);
      const body = parseWith(TraceEnter, request.body ?? {}, 'body');
      return jobs.enterTrace({
        teamId: auth.teamId,
        traceId: canonicalRunId(request.params.traceId, 'trace_id'),
        jobId: canonicalRunId(body.job_id, 'job_id'),
        groupId: body.group_id ?? null,
        taskSlug: body.task_slug ?? null,
        model: body.model ?? null,
      });
    },
  );

  app.post<{ Params: { traceId: string } }>(
    '/v2/trace/:traceId/exit',
    async (request): Promise<TraceRecord> => {
      const auth = authOf(request);
      const body = parseWith(TraceExit, request.body ?? {}, 'body');
      return jobs.exitTrace({
        teamId: auth.teamId,
        traceId: canonicalRunId(request.params.traceId, 'trace_id'),
        status: body.status,
        reward: body.reward,
        error: body.error ?? null,
        evaluationResult: body.evaluation_result ?? null,
        stopReason: body.stop_reason ?? null,
        metadata: body.metadata ?? null,
      });
    },
  );
}
