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

/** `POST /v2/trace/job/{job_id}/enter` `{name, group, taskset_id?}`. */
export function jobEnterReport(job: {
  id: string;
  name: string;
  group: number;
  tasksetId?: string | undefined;
}): LifecycleReport {
  return {
    path: `/v2/trace/job/${encodeURIComponent(job.id)}/enter`,
    body: withoutNulls({ name: job.name, group: job.group, taskset_id: job.tasksetId }),
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
 * evaluation_result? (the grade), stop_reason?}`. hud-python's `metadata` is `trace.extra`, which hud-ts
 * traces do not have: it is left out.
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
    }),
  };
}
