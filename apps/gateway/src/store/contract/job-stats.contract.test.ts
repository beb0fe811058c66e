import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';
import type { GatewayStore } from '../store.js';

const hex = () => randomBytes(16).toString('hex');

/** Runs `traces` of one job through enter/exit; `reward` undefined leaves the trace running. */
async function runJob(
  store: GatewayStore,
  teamId: string,
  job: { id: string; name: string; group: number; agent?: string; model?: string; total?: number },
  traces: {
    slug: string;
    status?: 'completed' | 'error';
    reward?: number | null;
    usage?: object;
  }[],
): Promise<void> {
  await store.jobs.enterJob({
    teamId,
    jobId: job.id,
    name: job.name,
    group: job.group,
    tasksetId: null,
    agent: job.agent ?? null,
    model: job.model ?? null,
    totalCount: job.total ?? null,
  });
  for (const trace of traces) {
    const traceId = hex();
    await store.jobs.enterTrace({
      teamId,
      traceId,
      jobId: job.id,
      groupId: null,
      taskSlug: trace.slug,
      model: 'gpt-x',
    });
    if (trace.reward === undefined) continue;
    await store.jobs.exitTrace({
      teamId,
      traceId,
      status: trace.status ?? 'completed',
      reward: trace.reward,
      error: trace.status === 'error' ? 'boom' : null,
      evaluationResult: null,
      stopReason: null,
      metadata: trace.usage ? { usage: trace.usage } : null,
    });
  }
}

describeEachDialect('job viewer fields and filters on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)(
    'computes task, verdict, success and pass@k tallies; agent, model and total from enter',
    async () => {
      const teamId = randomUUID();
      const jobId = hex();
      await runJob(
        suite.store,
        teamId,
        { id: jobId, name: 'grouped', group: 2, agent: 'claude', model: 'sonnet', total: 6 },
        [
          { slug: 'a', reward: 1 },
          { slug: 'a', reward: 0 },
          { slug: 'b', reward: 0.5 },
          { slug: 'b', reward: 0 },
          { slug: 'c', status: 'error', reward: null },
        ],
      );
      const job = await suite.store.jobs.getJob(teamId, jobId);
      expect(job).toMatchObject({
        agent: 'claude',
        model: 'sonnet',
        total_count: 6,
        task_count: 3,
        completed_count: 4,
        error_count: 1,
        status: 'completed',
      });
      expect(job?.success_rate).toBeCloseTo(0.25, 12);
      // Tasks with a verdict: a (passed once) and b (never): 1 of 2.
      expect(job?.pass_at_k).toBeCloseTo(0.5, 12);
      expect(job?.duration_ms).toBeGreaterThanOrEqual(0);
    },
  );

  it.skipIf(skip)(
    'pass@k is null for group 1; the model falls back to the traces; usage reported at exit sums',
    async () => {
      const teamId = randomUUID();
      const jobId = hex();
      await runJob(suite.store, teamId, { id: jobId, name: 'single', group: 1 }, [
        {
          slug: 'a',
          reward: 1,
          usage: { prompt_tokens: 100, completion_tokens: 10, cached_tokens: 4, cost_usd: 0.5 },
        },
        { slug: 'b', reward: 1, usage: { prompt_tokens: 1, completion_tokens: 2, cost_usd: null } },
      ]);
      const job = await suite.store.jobs.getJob(teamId, jobId);
      expect(job).toMatchObject({ pass_at_k: null, success_rate: 1, model: 'gpt-x', agent: null });
      expect(await suite.store.usage.reportedUsage(teamId, { jobId })).toEqual({
        traces: 2,
        input_tokens: 101,
        output_tokens: 12,
        cached_tokens: 4,
        cost_usd: 0.5,
      });
      const empty = hex();
      await runJob(suite.store, teamId, { id: empty, name: 'empty', group: 3 }, []);
      expect(await suite.store.jobs.getJob(teamId, empty)).toMatchObject({
        status: 'pending',
        task_count: 0,
        success_rate: null,
        pass_at_k: null,
        duration_ms: null,
      });
    },
  );

  it.skipIf(skip)(
    'filters by substring, status and taskset, and pages filtered lists',
    async () => {
      const teamId = randomUUID();
      const [done, live, other] = [hex(), hex(), hex()];
      await runJob(suite.store, teamId, { id: done, name: 'Letter-Count run', group: 1 }, [
        { slug: 'a', reward: 1 },
      ]);
      await runJob(
        suite.store,
        teamId,
        { id: live, name: 'coding', group: 1, agent: 'My_Agent%' },
        [{ slug: 'a' }],
      );
      await runJob(suite.store, teamId, { id: other, name: 'idle', group: 1 }, []);
      const ids = async (filter: Parameters<GatewayStore['jobs']['listJobs']>[0]['filter']) =>
        (await suite.store.jobs.listJobs({ teamId, limit: 10, filter })).items.map((job) => job.id);
      expect(await ids({ q: 'letter-COUNT' })).toEqual([done]);
      expect(await ids({ q: done.slice(4, 12).toUpperCase() })).toEqual([done]);
      // LIKE wildcards in the query are literal characters.
      expect(await ids({ q: '_agent%' })).toEqual([live]);
      expect(await ids({ q: 'y_a' })).toEqual([live]);
      expect(await ids({ q: '%' })).toEqual([live]);
      expect(await ids({ status: 'running' })).toEqual([live]);
      expect(await ids({ status: 'completed' })).toEqual([done]);
      expect(await ids({ status: 'pending' })).toEqual([other]);
      expect(await ids({ status: 'cancelled' })).toEqual([]);
      expect(await ids({ taskset: 'no-such-taskset' })).toEqual([]);
      // Paging keeps the filter.
      const first = await suite.store.jobs.listJobs({ teamId, limit: 1, filter: { q: 'i' } });
      expect(first.next).not.toBeNull();
      const second = await suite.store.jobs.listJobs({
        teamId,
        limit: 5,
        filter: { q: 'i' },
        before: first.next ?? '',
      });
      // 'coding' and 'idle' have an i; 'Letter-Count run' and hex ids do not.
      expect([...first.items, ...second.items].map((job) => job.id).sort()).toEqual(
        [live, other].sort(),
      );
    },
  );
});
