import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { DIALECTS, postgresSkip } from '../testing/databases.js';

// Issue 17: a hosted trace's page shows its model, stop reason and grade (subscores, grader info) as a
// trace uploaded by `hud eval` does; the worker's verdict (`POST /v2/workers/complete`) carries them.

afterEach(disposeTestGateways);

/** A grade as a `tasks.grade` frame carries it (hud-python's `EvaluationResult` on the wire). */
const GRADE = {
  done: true,
  content: 'counted 3',
  info: { grader: 'exact_match', expected: '3' },
  isError: false,
  subscores: [{ name: 'exact', weight: 1, value: 1, children: null, info: null }],
  score: 1,
};

/** Submits one rollout and claims it: its trace id (canonical) and lease id. */
async function leased(gateway: TestGateway, slug: string) {
  const body = {
    trace_id: randomUUID(),
    job_id: randomUUID(),
    env: 'sample-env',
    task: 'count',
    slug,
    args: {},
    agent: { type: 'claude', config: { model: 'claude-sonnet-4-6' } },
  };
  expect((await gateway.call('POST', '/v2/rollouts/submit', { body })).status).toBe(200);
  const claimed = await gateway.call('POST', '/v2/workers/claim', {
    body: { worker_id: 'w1', runtimes: ['local'], capacity: 1 },
  });
  const [lease] = claimed.body.leases as { lease_id: string; trace_id: string }[];
  if (!lease) throw new Error(`nothing leased: ${JSON.stringify(claimed.body)}`);
  return { traceId: lease.trace_id, leaseId: lease.lease_id };
}

const traceOf = async (gateway: TestGateway, traceId: string) =>
  (await gateway.call('GET', `/v2/trace/${traceId}`)).body;

describe.each(DIALECTS)('a worker verdict with the run report on %s', (dialect) => {
  const skip = dialect === 'postgres' ? postgresSkip() : '';

  it.skipIf(skip)(
    'shows the grade, stop reason and model on GET /v2/trace/{id}, as /exit and /enter record them',
    async () => {
      const gateway = await testGateway({ dialect });
      const { traceId, leaseId } = await leased(gateway, 'report');
      const done = await gateway.call('POST', '/v2/workers/complete', {
        body: {
          lease_id: leaseId,
          status: 'completed',
          reward: 1,
          evaluation_result: GRADE,
          stop_reason: 'done',
          model: 'claude-sonnet-4-6',
        },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(await traceOf(gateway, traceId)).toMatchObject({
        status: 'completed',
        reward: 1,
        evaluation_result: GRADE,
        stop_reason: 'done',
        model: 'claude-sonnet-4-6',
      });
      const listed = await gateway.call(
        'GET',
        `/v2/jobs/${(await traceOf(gateway, traceId)).job_id}/traces`,
      );
      expect(listed.body.items).toContainEqual(
        expect.objectContaining({ id: traceId, stop_reason: 'done', model: 'claude-sonnet-4-6' }),
      );
    },
  );

  it.skipIf(skip)('a verdict without them (an older worker) records as before', async () => {
    const gateway = await testGateway({ dialect });
    const { traceId, leaseId } = await leased(gateway, 'older');
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: leaseId, status: 'completed', reward: 0.5 },
    });
    expect(await traceOf(gateway, traceId)).toMatchObject({
      status: 'completed',
      reward: 0.5,
      evaluation_result: null,
      stop_reason: null,
      model: null,
    });
  });

  it.skipIf(skip)(
    'a malformed report is refused naming the field, and nothing is recorded',
    async () => {
      const gateway = await testGateway({ dialect });
      const { traceId, leaseId } = await leased(gateway, 'malformed');
      const cases: [Record<string, unknown>, string][] = [
        [{ evaluation_result: 'score 1' }, 'evaluation_result'],
        [{ evaluation_result: [GRADE] }, 'evaluation_result'],
        [{ stop_reason: 'x'.repeat(101) }, 'stop_reason'],
        [{ stop_reason: 3 }, 'stop_reason'],
        [{ model: 'm'.repeat(1_001) }, 'model'],
        [{ model: { name: 'claude' } }, 'model'],
      ];
      for (const [fields, name] of cases) {
        const bad = await gateway.call('POST', '/v2/workers/complete', {
          body: { lease_id: leaseId, status: 'completed', reward: 1, ...fields },
        });
        expect(bad.status, JSON.stringify(fields)).toBe(400);
        expect(bad.body.error.code).toBe('invalid_request');
        expect(bad.body.detail).toContain(name);
      }
      expect(await traceOf(gateway, traceId)).toMatchObject({
        status: 'running',
        reward: null,
        evaluation_result: null,
        stop_reason: null,
        model: null,
      });
      // The lease is still current: a well-formed verdict is recorded.
      const good = await gateway.call('POST', '/v2/workers/complete', {
        body: { lease_id: leaseId, status: 'completed', reward: 1, stop_reason: 'done' },
      });
      expect(good.status).toBe(200);
    },
  );

  it.skipIf(skip)('a retry records no grade (the rollout is queued again)', async () => {
    const gateway = await testGateway({ dialect });
    const { traceId, leaseId } = await leased(gateway, 'retry');
    // an /exit that arrived while the trace was leased: its grade must not outlive the retry
    const exited = await gateway.call('POST', `/v2/trace/${traceId}/exit`, {
      body: { status: 'completed', reward: 1, evaluation_result: GRADE, stop_reason: 'done' },
    });
    expect(exited.status).toBe(200);
    await gateway.call('POST', '/v2/workers/complete', {
      body: {
        lease_id: leaseId,
        status: 'error',
        error: 'substrate failed',
        retry: true,
        evaluation_result: GRADE,
        stop_reason: 'done',
      },
    });
    expect(await traceOf(gateway, traceId)).toMatchObject({
      status: 'queued',
      evaluation_result: null,
      stop_reason: null,
    });
  });
});
