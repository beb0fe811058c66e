import type { RunRecord } from '../run-record.js';

// The platform lifecycle reports of hud-python (spec §8.4), sent under `HUD_API_URL` + `/v2`. Bodies have
// their null keys removed, as hud-python sends them.

/** A lifecycle report: the path under the API URL and its JSON body. */
export interface LifecycleReport {
  /** Under the API URL, e.g. `/v2/trace/job/<id>/enter`. */
  path: string;
  body: Record<string, unknown>;
}

function withoutNulls(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).filter(([, value]) => value !== null && value !== undefined),
  );
}

/**
 * `POST /v2/trace/job/{job_id}/enter` `{name, group, taskset_id?}`, plus hud-ts extras a HUD gateway shows
 * in its viewer (hud-python's platform ignores unknown keys): `agent` (the agent's name), `model`,
 * `total_count` (runs asked for: tasks × group).
 */
export function jobEnterReport(job: {
  id: string;
  name: string;
  group: number;
  tasksetId?: string | undefined;
  agent?: string | null;
  model?: string | null;
  totalCount?: number | null;
}): LifecycleReport {
  return {
    path: `/v2/trace/job/${encodeURIComponent(job.id)}/enter`,
    body: withoutNulls({
      name: job.name,
      group: job.group,
      taskset_id: job.tasksetId,
      agent: job.agent,
      model: job.model,
      total_count: job.totalCount,
    }),
  };
}

/** `POST /v2/trace/{trace_id}/enter` `{job_id, group_id?, task_slug, model?}`. */
export function traceEnterReport(run: {
  traceId: string;
  jobId: string;
  groupId?: string | null;
  slug: string;
  model?: string | null;
}): LifecycleReport {
  return {
    path: `/v2/trace/${encodeURIComponent(run.traceId)}/enter`,
    body: withoutNulls({
      job_id: run.jobId,
      group_id: run.groupId,
      task_slug: run.slug,
      model: run.model,
    }),
  };
}

/**
 * `POST /v2/trace/{trace_id}/exit` `{status, reward, error? (only when status is error),
 * evaluation_result? (the grade), stop_reason?, metadata?}`. hud-python's `metadata` is `trace.extra`;
 * hud-ts sends `{usage}` there (the run's {@link RunRecord.usage}: tokens and USD cost summed over its
 * agent steps) so a viewer can show what a run spent on a model it called directly.
 */
export function traceExitReport(run: RunRecord): LifecycleReport {
  return {
    path: `/v2/trace/${encodeURIComponent(run.trace_id)}/exit`,
    body: withoutNulls({
      status: run.status,
      reward: run.reward,
      error: run.status === 'error' ? run.error : null,
      evaluation_result: run.grade,
      stop_reason: run.stop_reason,
      metadata: run.usage ? { usage: run.usage } : null,
    }),
  };
}
