import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';
import type { GatewayStore } from '../store.js';

const hex = () => randomBytes(16).toString('hex');

/** A team with a job of `count` ended traces; the team id and the traces. */
async function seed(store: GatewayStore, count: number) {
  const teamId = (await store.keys.ensureTeam(`team-${hex().slice(0, 8)}`)).id;
  const jobId = hex();
  await store.jobs.enterJob({ teamId, jobId, name: 'qa', group: 1, tasksetId: null });
  const traces: { id: string; job_id: string }[] = [];
  for (let index = 0; index < count; index += 1) {
    const traceId = hex();
    await store.jobs.enterTrace({
      teamId,
      traceId,
      jobId,
      groupId: null,
      taskSlug: `t-${index}`,
      model: null,
    });
    traces.push({ id: traceId, job_id: jobId });
  }
  return { teamId, jobId, traces };
}

const verdict = {
  verdict: 'passed' as const,
  category: null,
  confidence: 0.5,
  evidence: [],
  explanation: 'ok',
};

describeEachDialect('the QA store on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)(
    'concurrent claims lease each pending result to exactly one claimer',
    async () => {
      const { store } = suite;
      const { teamId, traces } = await seed(store, 3);
      const requested = await store.qa.requestResults({
        teamId,
        agentId: 'false-positive',
        traces,
        overwrite: false,
      });
      expect(requested.map((result) => result.status)).toEqual(['pending', 'pending', 'pending']);
      const claims = await Promise.all(
        Array.from({ length: 8 }, () => store.qa.claim({ teamId, limit: 1, leaseMs: 60_000 })),
      );
      const claimed = claims.flat().map((result) => result.id);
      expect(claimed.sort()).toEqual(requested.map((result) => result.id).sort());
      // Another team sees none of them.
      const other = await seed(store, 0);
      expect(await store.qa.claim({ teamId: other.teamId, limit: 10, leaseMs: 60_000 })).toEqual(
        [],
      );
    },
  );

  it.skipIf(skip)(
    'an expired lease is claimable again; a verdict completes; overwrite resets',
    async () => {
      const { store } = suite;
      const { teamId, jobId, traces } = await seed(store, 1);
      const [result] = await store.qa.requestResults({
        teamId,
        agentId: 'reward-hacking',
        traces,
        overwrite: false,
      });
      expect(await store.qa.claim({ teamId, limit: 1, leaseMs: 0 })).toHaveLength(1);
      await sleep(5); // the lease (0 ms) is now in the past
      const again = await store.qa.claim({ teamId, limit: 1, leaseMs: 60_000 });
      expect(again.map((item) => item.id)).toEqual([result?.id]);
      expect(await store.qa.claim({ teamId, limit: 1, leaseMs: 60_000 })).toEqual([]);

      const done = await store.qa.complete({
        teamId,
        id: result?.id ?? '',
        verdict,
        model: 'judge',
      });
      expect(done).toMatchObject({ status: 'completed', verdict: 'passed', model: 'judge' });
      expect(await store.qa.resultsOfJob(teamId, jobId)).toEqual([done]);
      expect(await store.qa.complete({ teamId, id: hex(), verdict, model: null })).toBeUndefined();

      const reset = await store.qa.requestResults({
        teamId,
        agentId: 'reward-hacking',
        traces,
        overwrite: true,
      });
      expect(reset).toEqual([
        expect.objectContaining({ id: result?.id, status: 'pending', verdict: null, model: null }),
      ]);
    },
  );
});
