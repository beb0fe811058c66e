import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { runId } from '../testing/spans.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

describe('cancel marks (hud cancel, spec §9.8)', () => {
  it('answers the fields hud-python prints from', async () => {
    gateway = await testGateway();
    const jobId = runId();
    const [running, other] = [runId(), runId()];
    await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, { body: { name: 'j', group: 1 } });
    await gateway.call('POST', `/v2/trace/${running}/enter`, {
      body: { job_id: jobId, task_slug: 'a' },
    });
    await gateway.call('POST', `/v2/trace/${other}/enter`, {
      body: { job_id: jobId, task_slug: 'b' },
    });

    // hud cancel <job> --trace-id <id>: {job_id, trace_id} → status "accepted" means success.
    const one = await gateway.call('POST', '/v2/rollouts/cancel', {
      body: { job_id: jobId, trace_id: running },
    });
    expect(one.body).toEqual({ trace_id: running, status: 'accepted' });
    expect((await gateway.call('GET', `/v2/trace/${running}`)).body.cancel_requested).toBe(true);
    const unknown = await gateway.call('POST', '/v2/rollouts/cancel', {
      body: { trace_id: runId() },
    });
    expect(unknown.body.status).toBe('not_found');

    // hud cancel <job>: {job_id} → cancelled (tasks still running and not yet marked).
    const job = await gateway.call('POST', '/v2/rollouts/cancel_job', { body: { job_id: jobId } });
    expect(job.body).toEqual({ job_id: jobId, found: true, cancelled: 1 });

    // hud cancel --all: {} → jobs_cancelled, total_tasks_cancelled, job_details[{job_id, cancelled}].
    const second = runId();
    const trace = runId();
    await gateway.call('POST', `/v2/trace/${trace}/enter`, {
      body: { job_id: second, task_slug: 'c' },
    });
    const all = await gateway.call('POST', '/v2/rollouts/cancel_user_jobs', { body: {} });
    expect(all.body).toEqual({
      jobs_cancelled: 1,
      total_tasks_cancelled: 1,
      job_details: [{ job_id: second, cancelled: 1 }],
    });
    const missing = await gateway.call('POST', '/v2/rollouts/cancel_job', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^invalid body: job_id: /);
  });
});
