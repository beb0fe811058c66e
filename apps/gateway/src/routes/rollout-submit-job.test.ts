import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, testGateway } from '../testing/app.js';
import { postgresSkip } from '../testing/databases.js';

// A hosted job's agent, model and runs asked for come from its submitted rollouts (a hosted job has no
// `enter` report naming them), so the jobs list, the job page and the taskset leaderboard show them as they
// show an uploaded job's.

afterEach(disposeTestGateways);

function row(slug: string, agent: { type: string; config: Record<string, unknown> }) {
  return { trace_id: randomUUID(), env: 'sample-env', task: 'count', slug, args: {}, agent };
}

const CLAUDE = { type: 'claude', config: { model: 'claude-sonnet-4-6', max_steps: 10 } };

describe("a hosted job's agent, model and total_count", () => {
  it.each(['sqlite', 'postgres'] as const)(
    'are the rollouts’ agent type and model and how many were queued, on the list, the job and the leaderboard (%s)',
    async (dialect) => {
      if (dialect === 'postgres' && postgresSkip()) return;
      const gateway = await testGateway({ dialect });
      const synced = await gateway.call('POST', '/v2/tasks/upload', {
        body: {
          taskset_name: 'hosted-set',
          tasks: [{ name: 'a', env: { name: 'sample-env' }, task_id: 'count', args: {} }],
        },
      });
      expect(synced.status, JSON.stringify(synced.body)).toBe(200);
      const jobId = randomUUID().replaceAll('-', '');
      const rollouts = ['a', 'b', 'c'].map((slug) => row(slug, CLAUDE));
      const submit = (body: Record<string, unknown>) =>
        gateway.call('POST', '/v2/rollouts/submit_batch', { body: { job_id: jobId, ...body } });
      expect(
        (await submit({ job_name: 'hosted', taskset_id: synced.body.taskset_id, rollouts })).status,
      ).toBe(200);
      // re-sent (idempotent) and one more rollout: four asked for
      expect((await submit({ rollouts: [...rollouts, row('d', CLAUDE)] })).status).toBe(200);

      const job = (await gateway.call('GET', `/v2/jobs/${jobId}`)).body;
      expect(job).toMatchObject({ agent: 'claude', model: 'claude-sonnet-4-6', total_count: 4 });
      const listed = (await gateway.call('GET', '/v2/jobs?q=claude-sonnet')).body;
      expect(listed.items.map((item: { id: string }) => item.id)).toEqual([jobId]);
      const board = (await gateway.call('GET', '/v2/tasksets/hosted-set/leaderboard')).body;
      expect(board.rows).toMatchObject([{ agent: 'claude', model: 'claude-sonnet-4-6' }]);
    },
  );

  it('one rollout at a time (hud-python HostedRuntime): each submit counts; no model named stays null', async () => {
    const gateway = await testGateway();
    const jobId = randomUUID();
    const oracle = { type: 'oracle', config: {} };
    for (const slug of ['a', 'b']) {
      const body = { ...row(slug, oracle), job_id: jobId };
      expect((await gateway.call('POST', '/v2/rollouts/submit', { body })).status).toBe(200);
    }
    const job = (await gateway.call('GET', `/v2/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ agent: 'oracle', model: null, total_count: 2 });
  });

  it('rollouts of different agents or models name none', async () => {
    const gateway = await testGateway();
    const jobId = randomUUID();
    const rollouts = [
      row('a', CLAUDE),
      row('b', { type: 'claude', config: { model: 'claude-haiku-4-5' } }),
      row('c', { type: 'openai', config: { model: 'claude-haiku-4-5' } }),
    ];
    const submitted = await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: { job_id: jobId, rollouts },
    });
    expect(submitted.status).toBe(200);
    const job = (await gateway.call('GET', `/v2/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ agent: null, model: null, total_count: 3 });
  });
});
