import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { DIALECTS, postgresSkip } from '../testing/databases.js';
import { runId } from '../testing/spans.js';

const verdict = {
  verdict: 'flagged',
  category: 'lucky-guess',
  confidence: 0.8,
  evidence: [{ step: 3, note: 'bare answer' }],
  explanation: 'No work shown.',
  model: 'claude-haiku-4-5',
};

/** A job of taskset `tasksetId` with two ended traces and one still running; their ids. */
async function seedJob(gateway: TestGateway, tasksetId?: string) {
  const jobId = runId();
  const [done, failed, running] = [runId(), runId(), runId()];
  await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, {
    body: { name: 'letters', group: 1, ...(tasksetId ? { taskset_id: tasksetId } : {}) },
  });
  for (const traceId of [done, failed, running]) {
    await gateway.call('POST', `/v2/trace/${traceId}/enter`, {
      body: { job_id: jobId, task_slug: 'count', model: 'm' },
    });
  }
  await gateway.call('POST', `/v2/trace/${done}/exit`, {
    body: { status: 'completed', reward: 1 },
  });
  await gateway.call('POST', `/v2/trace/${failed}/exit`, {
    body: { status: 'error', reward: 0, error: '[agent loop] boom' },
  });
  return { jobId, done, failed, running };
}

afterEach(disposeTestGateways);

describe.each(DIALECTS)('QA routes on %s', (dialect) => {
  const skip = dialect === 'postgres' ? postgresSkip() : '';

  it.skipIf(skip)(
    'lists the standard QA agents and custom ones; refuses a standard id',
    async () => {
      const gateway = await testGateway({ dialect });
      const listed = await gateway.call('GET', '/v2/qa-agents?subject_type=taskset');
      expect(listed.status).toBe(200);
      expect(listed.body.total).toBe(4);
      expect(listed.body.items.map((agent: { id: string }) => agent.id)).toEqual([
        'false-negative',
        'false-positive',
        'failure-analysis',
        'reward-hacking',
      ]);
      expect(listed.body.items[2].categories).toHaveLength(10);
      const custom = await gateway.call('POST', '/v2/qa-agents', {
        body: {
          id: 'grounded',
          name: 'Grounded',
          rubric: 'Flag unsupported claims.',
          categories: [{ id: 'unsupported' }],
        },
      });
      expect(custom.body).toMatchObject({ id: 'grounded', built_in: false, subject_type: 'trace' });
      expect((await gateway.call('GET', '/v2/qa-agents?limit=1&offset=4')).body).toMatchObject({
        total: 5,
        items: [{ id: 'grounded' }],
      });
      const clash = await gateway.call('POST', '/v2/qa-agents', {
        body: { id: 'false-positive', name: 'x', rubric: 'y' },
      });
      expect(clash.status).toBe(409);
      expect((await gateway.call('GET', '/v2/qa-agents?subject_type=planet')).status).toBe(400);
    },
  );

  it.skipIf(skip)(
    'run-resources → claim → verdict: results readable by id, per trace and per job; overwrite resets',
    async () => {
      const gateway = await testGateway({ dialect });
      const { jobId, done, failed, running } = await seedJob(gateway);
      const started = await gateway.call('POST', '/v2/qa-agents/false-positive/run-resources', {
        body: { subject_ids: [jobId, done] },
      });
      expect(started.status).toBe(200);
      expect(
        started.body.items.map((item: { subject_id: string }) => item.subject_id).sort(),
      ).toEqual([done, failed, running].sort());
      expect(started.body.items[0]).toMatchObject({
        qa_agent_id: 'false-positive',
        subject_type: 'trace',
        job_id: jobId,
        status: 'pending',
        verdict: null,
        evidence: [],
      });
      const ids: string[] = started.body.result_ids;
      // The same request again names the same results.
      const again = await gateway.call('POST', '/v2/qa-agents/false-positive/run-resources', {
        body: { subject_ids: [jobId], overwrite: false },
      });
      expect([...again.body.result_ids].sort()).toEqual([...ids].sort());

      const claimed = await gateway.call('POST', '/v2/qa-agents/results/claim', {
        body: { limit: 5, result_ids: [ids[0]] },
      });
      expect(claimed.body.items).toHaveLength(1);
      expect(claimed.body.items[0]).toMatchObject({
        id: ids[0],
        status: 'running',
        agent: { id: 'false-positive' },
      });
      expect(claimed.body.items[0].agent.rubric).toContain('credit');
      // Leased: a second claim of it finds nothing.
      const twice = await gateway.call('POST', '/v2/qa-agents/results/claim', {
        body: { result_ids: [ids[0]] },
      });
      expect(twice.body.items).toEqual([]);

      const completed = await gateway.call('POST', `/v2/qa-agents/results/${ids[0]}`, {
        body: verdict,
      });
      expect(completed.status).toBe(200);
      const traceId = claimed.body.items[0].subject_id;
      expect(completed.body).toMatchObject({
        status: 'completed',
        verdict: 'flagged',
        category: 'lucky-guess',
        confidence: 0.8,
      });

      const byIds = await gateway.call(
        'GET',
        `/v2/qa-agents/results/resources?result_ids=${ids.join(',')}`,
      );
      expect(byIds.body.items.map((item: { status: string }) => item.status).sort()).toEqual([
        'completed',
        'pending',
        'pending',
      ]);
      const perTrace = await gateway.call('GET', `/v2/trace/${traceId}/qa`);
      expect(perTrace.body.items).toEqual([
        expect.objectContaining({
          id: ids[0],
          verdict: 'flagged',
          evidence: [{ step: 3, note: 'bare answer' }],
          explanation: 'No work shown.',
          model: 'claude-haiku-4-5',
        }),
      ]);
      const perJob = await gateway.call('GET', `/v2/jobs/${jobId}/qa`);
      expect(perJob.body.items).toHaveLength(3);

      const reset = await gateway.call('POST', '/v2/qa-agents/false-positive/run-resources', {
        body: { subject_ids: [traceId], overwrite: true },
      });
      expect(reset.body.items).toEqual([
        expect.objectContaining({
          id: ids[0],
          status: 'pending',
          verdict: null,
          explanation: null,
        }),
      ]);

      expect(
        (
          await gateway.call('POST', `/v2/qa-agents/results/${ids[1]}`, {
            body: { ...verdict, confidence: 3 },
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await gateway.call('POST', '/v2/qa-agents/nope/run-resources', {
            body: { subject_ids: [jobId] },
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await gateway.call('POST', '/v2/qa-agents/false-positive/run-resources', {
            body: { subject_ids: [runId()] },
          })
        ).status,
      ).toBe(404);
    },
  );

  it.skipIf(skip)(
    'a QA column reviews every ended trace of its taskset through the claim',
    async () => {
      const gateway = await testGateway({ dialect });
      const upload = await gateway.call('POST', '/v2/tasks/upload', {
        body: {
          taskset_name: 'letters',
          tasks: [{ name: 'count', env: { name: 'letter-count' }, task_id: 'count', args: {} }],
        },
      });
      const tasksetId: string = upload.body.taskset_id;
      const added = await gateway.call(
        'PUT',
        `/v2/tasksets/${tasksetId}/qa-columns/reward-hacking`,
      );
      expect(added.body).toMatchObject({ taskset_id: tasksetId, qa_agent_id: 'reward-hacking' });
      expect(
        (await gateway.call('GET', `/v2/tasksets/${tasksetId}/qa-columns`)).body.items,
      ).toHaveLength(1);
      const { done, failed } = await seedJob(gateway, tasksetId);
      await seedJob(gateway); // another job without the taskset: not reviewed

      const claimed = await gateway.call('POST', '/v2/qa-agents/results/claim', {
        body: { limit: 10 },
      });
      expect(
        claimed.body.items.map((item: { subject_id: string }) => item.subject_id).sort(),
      ).toEqual([done, failed].sort());
      for (const item of claimed.body.items) expect(item.qa_agent_id).toBe('reward-hacking');
      // Materialised once: nothing more to claim.
      expect(
        (await gateway.call('POST', '/v2/qa-agents/results/claim', { body: { limit: 10 } })).body
          .items,
      ).toEqual([]);
      expect(
        (await gateway.call('DELETE', `/v2/tasksets/${tasksetId}/qa-columns/reward-hacking`)).body,
      ).toEqual({ removed: true });
      expect((await gateway.call('PUT', `/v2/tasksets/${tasksetId}/qa-columns/nope`)).status).toBe(
        404,
      );
    },
  );
});
