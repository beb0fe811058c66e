import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it, vi } from 'vitest';
import { hashKey } from '../../api-keys.js';
import { describeEachDialect, freshLocation } from '../../testing/databases.js';
import {
  LEASE_KEY_RETENTION_MS,
  type RolloutBody,
  type RolloutSubmission,
} from '../areas/rollout-queue.js';
import { type GatewayStore, openStore } from '../store.js';

const hex = () => randomBytes(16).toString('hex');

function rollout(slug: string, env = 'sample-env'): RolloutSubmission {
  const body: RolloutBody = {
    env,
    task: 'count',
    slug,
    args: { n: 1 },
    agent: { type: 'oracle', config: null },
    group_id: null,
    runtime_config: null,
    verifier: null,
  };
  return { traceId: hex(), body };
}

const claimOptions = {
  workerName: 'w',
  leaseTtlMs: 30_000,
  teamLimit: null,
} as const;

async function team(store: GatewayStore): Promise<string> {
  return (await store.keys.ensureTeam(`team-${hex().slice(0, 8)}`)).id;
}

describeEachDialect('the rollout queue on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)(
    'submits idempotently and moves a trace queued → running → completed once',
    async () => {
      const { store } = suite;
      const teamId = await team(store);
      const jobId = hex();
      const one = rollout('count-1');
      const submit = { teamId, jobId, maxAttempts: 3, rollouts: [one] };
      expect(await store.rolloutQueue.submit(submit)).toEqual({ created: 1 });
      expect(await store.rolloutQueue.submit(submit)).toEqual({ created: 0 });
      expect(await store.jobs.getTrace(teamId, one.traceId)).toMatchObject({
        status: 'queued',
        job_id: jobId,
        task_slug: 'count-1',
      });
      expect(await store.jobs.getJob(teamId, jobId)).toMatchObject({
        status: 'running',
        queued_count: 1,
      });

      const { leases } = await store.rolloutQueue.claim({
        ...claimOptions,
        workerId: 'w1',
        teamId,
        capacity: 5,
      });
      expect(leases).toHaveLength(1);
      const lease = leases[0];
      if (!lease) throw new Error('no lease');
      expect(lease).toMatchObject({
        traceId: one.traceId,
        jobId,
        attempt: 1,
        envName: 'sample-env',
      });
      expect(JSON.parse(lease.body)).toEqual(one.body);
      expect(await store.jobs.getTrace(teamId, one.traceId)).toMatchObject({ status: 'running' });
      // The lease key is a member key of the team, named for the trace.
      const key = await store.keys.findKeyByHash(hashKey(lease.key));
      expect(key).toMatchObject({ team_id: teamId, role: 'member', name: `lease:${one.traceId}` });
      expect(key?.revoked_at).toBeNull();
      // Nothing else to claim; a resubmit does not queue it again.
      await store.rolloutQueue.submit(submit);
      expect(
        (await store.rolloutQueue.claim({ ...claimOptions, workerId: 'w2', teamId, capacity: 5 }))
          .leases,
      ).toEqual([]);

      expect(
        await store.rolloutQueue.heartbeat({
          workerId: 'w1',
          leaseIds: [lease.leaseId, 'f'.repeat(32)],
          teamId,
          leaseTtlMs: 30_000,
        }),
      ).toEqual([
        { leaseId: lease.leaseId, state: 'active' },
        { leaseId: 'f'.repeat(32), state: 'lost' },
      ]);
      const verdict = {
        leaseId: lease.leaseId,
        teamId,
        status: 'completed' as const,
        reward: 0.75,
        error: null,
        retry: false,
      };
      expect(await store.rolloutQueue.complete(verdict)).toMatchObject({
        outcome: 'recorded',
        revoked: 1,
      });
      // Exactly once: the same verdict again is refused.
      expect(await store.rolloutQueue.complete(verdict)).toMatchObject({ outcome: 'lost' });
      expect(await store.jobs.getTrace(teamId, one.traceId)).toMatchObject({
        status: 'completed',
        reward: 0.75,
      });
      expect((await store.keys.findKeyByHash(hashKey(lease.key)))?.revoked_at).not.toBeNull();
      expect(await store.jobs.getJob(teamId, jobId)).toMatchObject({
        status: 'completed',
        reward: 0.75,
      });
      // Lease keys are not listed as the team's keys; an hour after revocation the sweeper deletes them.
      expect((await store.keys.listKeys({ teamId })).map((listed) => listed.name)).not.toContain(
        `lease:${one.traceId}`,
      );
      await store.rolloutQueue.sweep();
      expect(await store.keys.findKeyByHash(hashKey(lease.key))).toBeDefined();
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + LEASE_KEY_RETENTION_MS + 60_000);
        await store.rolloutQueue.sweep();
      } finally {
        vi.useRealTimers();
      }
      expect(await store.keys.findKeyByHash(hashKey(lease.key))).toBeUndefined();
    },
  );

  it.skipIf(skip)(
    'retries re-queue with attempt + 1 up to max_attempts, then record the reason',
    async () => {
      const { store } = suite;
      const teamId = await team(store);
      const jobId = hex();
      const one = rollout('retry-1');
      await store.rolloutQueue.submit({ teamId, jobId, maxAttempts: 2, rollouts: [one] });
      const attempts: number[] = [];
      for (const reason of ['substrate failed to start', 'worker shutting down']) {
        const [lease] = (
          await store.rolloutQueue.claim({ ...claimOptions, workerId: 'w', teamId, capacity: 1 })
        ).leases;
        if (!lease) throw new Error('no lease');
        attempts.push(lease.attempt);
        await store.rolloutQueue.complete({
          leaseId: lease.leaseId,
          teamId,
          status: 'error',
          reward: 1,
          error: reason,
          retry: true,
        });
      }
      expect(attempts).toEqual([1, 2]);
      const trace = await store.jobs.getTrace(teamId, one.traceId);
      expect(trace).toMatchObject({ status: 'error', reward: null });
      expect(trace?.error).toContain('gave up after 2 attempts');
      expect(trace?.error).toContain('worker shutting down');
    },
  );

  it.skipIf(skip)(
    'an expired lease is swept into attempt 2; its late heartbeat and complete are lost',
    async () => {
      const { store } = suite;
      const teamId = await team(store);
      const one = rollout('expire-1');
      await store.rolloutQueue.submit({ teamId, jobId: hex(), maxAttempts: 3, rollouts: [one] });
      const [first] = (
        await store.rolloutQueue.claim({
          ...claimOptions,
          workerId: 'w1',
          teamId,
          capacity: 1,
          leaseTtlMs: 1,
        })
      ).leases;
      if (!first) throw new Error('no lease');
      await sleep(20);
      const swept = await store.rolloutQueue.sweep();
      expect(swept.changes).toContainEqual(
        expect.objectContaining({ traceId: one.traceId, status: 'queued', attempt: 2 }),
      );
      expect((await store.keys.findKeyByHash(hashKey(first.key)))?.revoked_at).not.toBeNull();
      expect(
        await store.rolloutQueue.heartbeat({
          workerId: 'w1',
          leaseIds: [first.leaseId],
          teamId,
          leaseTtlMs: 30_000,
        }),
      ).toEqual([{ leaseId: first.leaseId, state: 'lost' }]);
      const [second] = (
        await store.rolloutQueue.claim({ ...claimOptions, workerId: 'w2', teamId, capacity: 1 })
      ).leases;
      expect(second).toMatchObject({ traceId: one.traceId, attempt: 2 });
      expect(
        await store.rolloutQueue.complete({
          leaseId: first.leaseId,
          teamId,
          status: 'completed',
          reward: 1,
          error: null,
          retry: false,
        }),
      ).toMatchObject({ outcome: 'lost' });
      expect(await store.jobs.getTrace(teamId, one.traceId)).toMatchObject({
        status: 'running',
        reward: null,
      });
    },
  );

  it.skipIf(skip)('a heartbeat extends a lease past its first expiry', async () => {
    const { store } = suite;
    const teamId = await team(store);
    const one = rollout('beat-1');
    await store.rolloutQueue.submit({ teamId, jobId: hex(), maxAttempts: 3, rollouts: [one] });
    const [lease] = (
      await store.rolloutQueue.claim({
        ...claimOptions,
        workerId: 'w1',
        teamId,
        capacity: 1,
        leaseTtlMs: 300,
      })
    ).leases;
    const beat = { workerId: 'w1', leaseIds: [lease?.leaseId ?? ''], teamId, leaseTtlMs: 60_000 };
    expect(await store.rolloutQueue.heartbeat(beat)).toEqual([
      { leaseId: lease?.leaseId, state: 'active' },
    ]);
    // Another worker's heartbeat for it is refused.
    expect(await store.rolloutQueue.heartbeat({ ...beat, workerId: 'w2' })).toEqual([
      { leaseId: lease?.leaseId, state: 'lost' },
    ]);
    await sleep(400);
    const swept = await store.rolloutQueue.sweep();
    expect(swept.changes.filter((change) => change.traceId === one.traceId)).toEqual([]);
    expect(await store.rolloutQueue.heartbeat(beat)).toEqual([
      { leaseId: lease?.leaseId, state: 'active' },
    ]);
    expect(await store.jobs.getTrace(teamId, one.traceId)).toMatchObject({ status: 'running' });
  });

  it.skipIf(skip)(
    'claims fairly across teams, then jobs, under max_concurrent and the team limit',
    async () => {
      const { store } = suite;
      const [teamA, teamB] = [await team(store), await team(store)];
      const [jobA1, jobA2, jobB] = [hex(), hex(), hex()];
      const many = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => rollout(`${prefix}-${i}`));
      await store.rolloutQueue.submit({
        teamId: teamA,
        jobId: jobA1,
        maxAttempts: 3,
        rollouts: many(6, 'a1'),
      });
      await sleep(5); // a2's rollouts are younger than a1's (ties between jobs go to the oldest).
      await store.rolloutQueue.submit({
        teamId: teamA,
        jobId: jobA2,
        maxAttempts: 3,
        maxConcurrent: 1,
        rollouts: many(6, 'a2'),
      });
      await store.rolloutQueue.submit({
        teamId: teamB,
        jobId: jobB,
        maxAttempts: 3,
        rollouts: many(2, 'b'),
      });
      // An every-team claim (teamId null) here also sees other tests' rollouts: scope by team instead.
      const a = await store.rolloutQueue.claim({
        ...claimOptions,
        workerId: 'wa',
        teamId: teamA,
        capacity: 4,
        teamLimit: 3,
      });
      // Fewest leases first: a1, a2, a1; a2 is capped at 1, the team at 3.
      expect(a.leases.map((lease) => lease.jobId)).toEqual([jobA1, jobA2, jobA1]);
      // Within a job, the oldest (submission order) first.
      expect(a.leases.filter((l) => l.jobId === jobA1).map((l) => JSON.parse(l.body).slug)).toEqual(
        ['a1-0', 'a1-1'],
      );
      const b = await store.rolloutQueue.claim({
        ...claimOptions,
        workerId: 'wb',
        teamId: teamB,
        capacity: 4,
        teamLimit: 3,
      });
      expect(b.leases).toHaveLength(2);
    },
  );

  it.skipIf(skip)('every-team claims take the team with the fewest leases first', async () => {
    // A store of its own, so no other test's rollouts are claimable.
    const { location, cleanup } = await freshLocation(suite.dialect);
    const store = await openStore(location);
    try {
      const [teamA, teamB] = [await team(store), await team(store)];
      const many = (n: number) => Array.from({ length: n }, (_, i) => rollout(`r-${i}`));
      await store.rolloutQueue.submit({
        teamId: teamA,
        jobId: hex(),
        maxAttempts: 3,
        rollouts: many(5),
      });
      await store.rolloutQueue.submit({
        teamId: teamB,
        jobId: hex(),
        maxAttempts: 3,
        rollouts: many(5),
      });
      const { leases } = await store.rolloutQueue.claim({
        ...claimOptions,
        workerId: 'w',
        teamId: null,
        capacity: 4,
      });
      expect(leases.filter((lease) => lease.teamId === teamA)).toHaveLength(2);
      expect(leases.filter((lease) => lease.teamId === teamB)).toHaveLength(2);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it.skipIf(skip)(
    'cancels: a queued rollout at once, a leased one through the heartbeat',
    async () => {
      const { store } = suite;
      const teamId = await team(store);
      const jobId = hex();
      const [leased, queued, other] = [rollout('c-1'), rollout('c-2'), rollout('c-3')];
      await store.rolloutQueue.submit({ teamId, jobId, maxAttempts: 3, rollouts: [leased] });
      await store.rolloutQueue.submit({ teamId, jobId, maxAttempts: 3, rollouts: [queued, other] });
      const [lease] = (
        await store.rolloutQueue.claim({ ...claimOptions, workerId: 'w', teamId, capacity: 1 })
      ).leases;
      expect(lease?.traceId).toBe(leased.traceId);
      // One queued trace by id: cancelled at once.
      expect(await store.cancels.cancelTrace({ teamId, traceId: other.traceId })).toBe('accepted');
      expect(await store.jobs.getTrace(teamId, other.traceId)).toMatchObject({
        status: 'cancelled',
      });
      expect(await store.cancels.cancelJob({ teamId, jobId })).toEqual({
        found: true,
        cancelled: 2,
      });
      expect(await store.jobs.getTrace(teamId, queued.traceId)).toMatchObject({
        status: 'cancelled',
      });
      expect(await store.jobs.getTrace(teamId, leased.traceId)).toMatchObject({
        status: 'running',
        cancel_requested: true,
      });
      expect(
        await store.rolloutQueue.heartbeat({
          workerId: 'w',
          leaseIds: [lease?.leaseId ?? ''],
          teamId,
          leaseTtlMs: 30_000,
        }),
      ).toEqual([{ leaseId: lease?.leaseId, state: 'cancelled' }]);
      // Nothing of the job is claimable any more.
      expect(
        (await store.rolloutQueue.claim({ ...claimOptions, workerId: 'w', teamId, capacity: 5 }))
          .leases,
      ).toEqual([]);
      // A retry of a cancelled rollout is recorded as cancelled, not re-queued.
      await store.rolloutQueue.complete({
        leaseId: lease?.leaseId ?? '',
        teamId,
        status: 'cancelled',
        reward: null,
        error: 'worker stopping',
        retry: true,
      });
      expect(await store.jobs.getTrace(teamId, leased.traceId)).toMatchObject({
        status: 'cancelled',
      });
    },
  );

  // PostgreSQL only (several gateways on one database); SQLite is one process by design.
  const onPostgres = suite.dialect === 'postgres' ? it.skipIf(skip) : undefined;
  onPostgres?.(
    'two gateways claiming at once never lease one rollout twice nor pass max_concurrent',
    async () => {
      const { location, cleanup } = await freshLocation('postgres');
      const first = await openStore(location);
      const second = await openStore(location);
      try {
        const teamId = await team(first);
        const free = Array.from({ length: 40 }, (_, i) => rollout(`free-${i}`));
        const capped = Array.from({ length: 20 }, (_, i) => rollout(`capped-${i}`));
        await first.rolloutQueue.submit({ teamId, jobId: hex(), maxAttempts: 3, rollouts: free });
        const cappedJob = hex();
        await first.rolloutQueue.submit({
          teamId,
          jobId: cappedJob,
          maxAttempts: 3,
          maxConcurrent: 3,
          rollouts: capped,
        });
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 === 0 ? first : second).rolloutQueue.claim({
              ...claimOptions,
              workerId: `w${i}`,
              teamId,
              capacity: 5,
            }),
          ),
        );
        const traces = claims.flatMap((claim) => claim.leases.map((lease) => lease.traceId));
        expect(new Set(traces).size).toBe(traces.length);
        expect(
          claims.flatMap((claim) => claim.leases).filter((lease) => lease.jobId === cappedJob)
            .length,
        ).toBeLessThanOrEqual(3);
        // Whatever the interleaving, every free rollout is leased by someone in the end.
        const more = await first.rolloutQueue.claim({
          ...claimOptions,
          workerId: 'last',
          teamId,
          capacity: 100,
        });
        const all = [...traces, ...more.leases.map((lease) => lease.traceId)];
        expect(new Set(all).size).toBe(all.length);
        expect(all.filter((id) => free.some((r) => r.traceId === id))).toHaveLength(40);
      } finally {
        await first.close();
        await second.close();
        await cleanup();
      }
    },
  );
});
