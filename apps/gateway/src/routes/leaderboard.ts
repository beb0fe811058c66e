import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { canonicalUuid } from '../ids.js';
import type { JobRecord } from '../store/areas/jobs.js';
import type { RouteContext } from './context.js';
import { type UsageFields, usageFields } from './jobs.js';

/** One (agent, model) row of a taskset's leaderboard. */
export interface LeaderboardRow {
  agent: string | null;
  model: string | null;
  job_count: number;
  run_count: number;
  /** Mean reward over the runs with a verdict; null without verdicts. */
  mean_reward: number | null;
  /** Passed runs (reward ≥ 1.0) over runs with a verdict; null without verdicts. */
  success_rate: number | null;
  /** Mean of the jobs' pass@k (jobs with a group above 1); null when none has one. */
  pass_at_k: number | null;
  /** USD; null when no job's cost is known. */
  cost_usd: number | null;
  input_tokens: number;
  output_tokens: number;
  latest_job_id: string;
  latest_at: string;
}

/** `GET /v2/tasksets/{idOrName}/leaderboard`. */
export interface LeaderboardReply {
  taskset_id: string | null;
  taskset_name: string;
  rows: LeaderboardRow[];
}

/** The most jobs of one taskset a leaderboard reads (newest first). */
const LEADERBOARD_JOBS = 2_000;

type RankedJob = JobRecord & UsageFields;

/** The rows of `jobs` (all of one taskset), one per (agent, model), by mean reward (nulls last). */
export function leaderboardRows(jobs: readonly RankedJob[]): LeaderboardRow[] {
  const groups = new Map<string, RankedJob[]>();
  for (const job of jobs) {
    const key = JSON.stringify([job.agent, job.model]);
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const rows = [...groups.values()].map((members): LeaderboardRow => {
    const latest = members.reduce((a, b) => (b.created_at > a.created_at ? b : a));
    const verdicts = members.reduce((sum, job) => sum + job.completed_count, 0);
    const weighted = (of: (job: RankedJob) => number | null) =>
      members.reduce((sum, job) => sum + (of(job) ?? 0) * job.completed_count, 0) / verdicts;
    const passAtK = members.flatMap((job) => (job.pass_at_k === null ? [] : [job.pass_at_k]));
    const costs = members.flatMap((job) => (job.cost_usd === null ? [] : [job.cost_usd]));
    return {
      agent: latest.agent,
      model: latest.model,
      job_count: members.length,
      run_count: members.reduce((sum, job) => sum + job.trace_count, 0),
      mean_reward: verdicts === 0 ? null : weighted((job) => job.reward),
      success_rate: verdicts === 0 ? null : weighted((job) => job.success_rate),
      pass_at_k: passAtK.length === 0 ? null : passAtK.reduce((a, b) => a + b, 0) / passAtK.length,
      cost_usd: costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0),
      input_tokens: members.reduce((sum, job) => sum + job.input_tokens, 0),
      output_tokens: members.reduce((sum, job) => sum + job.output_tokens, 0),
      latest_job_id: latest.id,
      latest_at: latest.created_at,
    };
  });
  return rows.sort(
    (a, b) =>
      (b.mean_reward ?? Number.NEGATIVE_INFINITY) - (a.mean_reward ?? Number.NEGATIVE_INFINITY) ||
      b.latest_at.localeCompare(a.latest_at),
  );
}

/**
 * `GET /v2/tasksets/{idOrName}/leaderboard` → {@link LeaderboardReply}: every job run on the taskset
 * (its id or name; newest {@link LEADERBOARD_JOBS}), one row per (agent, model) with mean reward, success
 * rate (reward ≥ 1.0), pass@k, runs, tokens and cost. 404 `{detail}` for an unknown taskset.
 */
export function registerLeaderboardRoutes(app: FastifyInstance, context: RouteContext): void {
  const { jobs, tasksets, usage } = context.store;
  app.get<{ Params: { id: string } }>(
    '/v2/tasksets/:id/leaderboard',
    async (request): Promise<LeaderboardReply> => {
      const { teamId } = authOf(request);
      const raw = request.params.id;
      const taskset =
        (await tasksets.getTaskset(teamId, canonicalUuid(raw) ?? raw)) ??
        (await tasksets.findTasksetByName(teamId, raw));
      if (!taskset) throw new GatewayError('not_found', `no taskset ${raw}`);
      const found: JobRecord[] = [];
      let before: string | undefined;
      do {
        const page = await jobs.listJobs({
          teamId,
          limit: 500,
          filter: { taskset: taskset.id },
          ...(before ? { before } : {}),
        });
        found.push(...page.items);
        before = page.next ?? undefined;
      } while (before && found.length < LEADERBOARD_JOBS);
      const ranked = await Promise.all(
        found.map(async (job) => ({
          ...job,
          ...usageFields(
            await usage.jobUsage(teamId, job.id),
            await usage.reportedUsage(teamId, { jobId: job.id }),
          ),
        })),
      );
      return { taskset_id: taskset.id, taskset_name: taskset.name, rows: leaderboardRows(ranked) };
    },
  );
}
