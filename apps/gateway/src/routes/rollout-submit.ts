import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf, type RouteFlags } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId, canonicalUuid } from '../ids.js';
import { RolloutBatchBody, type RolloutRow, RolloutSubmitBody } from '../schemas/rollouts.js';
import type { RolloutBody, RolloutSubmission } from '../store/areas/rollout-queue.js';
import type { RouteContext } from './context.js';
import { streamJob } from './rollout-submit-stream.js';
import type { RolloutHub } from './workers-hub.js';

/** `POST /v2/rollouts/submit` answer (what hud-python's `HostedRuntime` expects). */
export interface SubmitReply {
  trace_id: string;
  job_id: string;
  status: 'queued';
}

/** `POST /v2/rollouts/submit_batch` answer: `submitted` rollouts accepted (`created` of them new). */
export interface SubmitBatchReply {
  job_id: string;
  submitted: number;
  created: number;
}

/** A submitted row as stored: canonical trace id and the rollout a worker gets. */
function submission(row: z.output<typeof RolloutRow>, where: string): RolloutSubmission {
  const body: RolloutBody = {
    env: row.env,
    task: row.task,
    slug: row.slug,
    args: row.args ?? null,
    agent: { type: row.agent.type, config: row.agent.config ?? null },
    group_id: row.group_id ?? null,
    runtime_config: row.runtime_config ?? null,
    verifier: row.verifier ?? null,
  };
  return { traceId: canonicalRunId(row.trace_id, `${where}trace_id`), body };
}

/**
 * Hosted rollouts (issue 16; /work/notes-session/hosted-contract.md):
 * - `POST /v2/rollouts/submit` (hud-python `HostedRuntime`, spec §6.2) `{trace_id, job_id, env, task,
 *   slug, args, agent: {type, config}, group_id?, runtime_config?, verifier?}` → {@link SubmitReply}:
 *   creates the job when absent and the trace (`queued`) in the key's team; the same trace again is a
 *   no-op with the same answer. Poll `GET /v2/trace/{trace_id}` until `completed|error|cancelled`.
 * - `POST /v2/rollouts/submit_batch` `{job_id, job_name?, taskset_id?, max_concurrent?, rollouts: [row
 *   without job_id]}` (≤ 10,000 rows, body up to the task-upload limit) → {@link SubmitBatchReply};
 *   `max_concurrent` caps how many of the job's rollouts are leased at once.
 * - `GET /v2/jobs/{id}/stream`: Server-Sent Events, see {@link streamJob}.
 */
export function registerRolloutSubmitRoutes(
  app: FastifyInstance,
  context: RouteContext,
  hub: RolloutHub,
): void {
  const queue = context.store.rolloutQueue;

  app.post('/v2/rollouts/submit', async (request): Promise<SubmitReply> => {
    const auth = authOf(request);
    const body = parseWith(RolloutSubmitBody, request.body ?? {}, 'body');
    const jobId = canonicalRunId(body.job_id, 'job_id');
    const rollout = submission(body, '');
    const { created } = await queue.submit({
      teamId: auth.teamId,
      jobId,
      maxAttempts: hub.maxAttempts,
      rollouts: [rollout],
    });
    if (created > 0) {
      hub.notifyWork(auth.teamId, jobId);
      return { trace_id: rollout.traceId, job_id: jobId, status: 'queued' };
    }
    // Submitted before: the same answer, naming the job it was queued in.
    const existing = await queue.getRollout(auth.teamId, rollout.traceId);
    return { trace_id: rollout.traceId, job_id: existing?.job_id ?? jobId, status: 'queued' };
  });

  app.post(
    '/v2/rollouts/submit_batch',
    { bodyLimit: context.limits.tasks },
    async (request): Promise<SubmitBatchReply> => {
      const auth = authOf(request);
      const body = parseWith(RolloutBatchBody, request.body ?? {}, 'body');
      const jobId = canonicalRunId(body.job_id, 'job_id');
      const rollouts = body.rollouts.map((row, index) => submission(row, `rollouts[${index}].`));
      const seen = new Set<string>();
      for (const [index, rollout] of rollouts.entries()) {
        if (seen.has(rollout.traceId)) {
          throw new GatewayError(
            'invalid_request',
            `invalid body: rollouts[${index}].trace_id: ${rollout.traceId} appears twice in this batch`,
          );
        }
        seen.add(rollout.traceId);
      }
      const tasksetId = body.taskset_id
        ? (canonicalUuid(body.taskset_id) ?? body.taskset_id)
        : null;
      const { created } = await queue.submit({
        teamId: auth.teamId,
        jobId,
        jobName: body.job_name ?? null,
        tasksetId,
        maxConcurrent: body.max_concurrent ?? null,
        maxAttempts: hub.maxAttempts,
        rollouts,
      });
      hub.notifyWork(auth.teamId, jobId);
      return { job_id: jobId, submitted: rollouts.length, created };
    },
  );

  const streamFlags: RouteFlags = { queryKey: true };
  app.get<{ Params: { id: string } }>(
    '/v2/jobs/:id/stream',
    { config: streamFlags },
    async (request, reply) => {
      const auth = authOf(request);
      const jobId = canonicalRunId(request.params.id, 'job id');
      if (!(await context.store.jobs.getJob(auth.teamId, jobId))) {
        throw new GatewayError('not_found', `no job ${request.params.id}`);
      }
      reply.hijack();
      await streamJob({
        queue,
        hub,
        teamId: auth.teamId,
        jobId,
        response: reply.raw,
        log: request.log,
      });
    },
  );
}
