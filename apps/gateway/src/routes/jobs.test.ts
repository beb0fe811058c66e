import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { runId, stepSpan } from '../testing/spans.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

/** `str(uuid.UUID(hex))`: how hud-python's `hud jobs get`, `HostedRuntime` and `hud cancel` send ids. */
const dashed = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

describe('lifecycle reports, jobs and traces (spec §8.4, §9.8)', () => {
  it('folds a hud-python run into a job with traces, readable by hud jobs and hud trace', async () => {
    gateway = await testGateway();
    const jobId = runId();
    const [traceA, traceB] = [runId(), runId()];
    // Taskset.run: job enter, then per rollout trace enter … exit (null keys removed, spec §8.4).
    const job = await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, {
      body: { name: 'letter-count (2 tasks)', group: 1 },
    });
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      id: jobId,
      name: 'letter-count (2 tasks)',
      status: 'pending',
    });
    for (const [traceId, slug] of [
      [traceA, 'count-a'],
      [traceB, 'count-b'],
    ] as const) {
      const entered = await gateway.call('POST', `/v2/trace/${traceId}/enter`, {
        body: { job_id: jobId, group_id: runId(), task_slug: slug, model: 'claude-sonnet-4-6' },
      });
      expect(entered.body).toMatchObject({ id: traceId, status: 'running', job_id: jobId });
    }
    await gateway.call('POST', `/v3/api/trace/${traceA}/telemetry-upload`, {
      body: {
        telemetry: [
          stepSpan(
            traceA,
            {
              step_id: 1,
              source: 'user',
              messages: [{ role: 'user', content: { type: 'text', text: "How many r's?" } }],
            },
            { start: '2026-01-01T00:00:00Z' },
          ),
          stepSpan(
            traceA,
            {
              step_id: 2,
              source: 'agent',
              content: 'Let me count.',
              reasoning: 'r, r, r',
              tool_calls: [{ id: 'c1', name: 'bash', arguments: { command: 'grep -o r' } }],
            },
            { start: '2026-01-01T00:00:01Z' },
          ),
          stepSpan(
            traceA,
            {
              step_id: 3,
              source: 'tool',
              call: { name: 'bash' },
              result: { content: [{ type: 'text', text: 'r\nr\nr' }], isError: false },
            },
            { start: '2026-01-01T00:00:02Z' },
          ),
          stepSpan(
            traceA,
            {
              step_id: 4,
              source: 'task',
              task_call: {
                phase: 'evaluate',
                name: 'count',
                arguments: { answer: '3' },
                result: { score: 1 },
              },
            },
            { start: '2026-01-01T00:00:03Z' },
          ),
        ],
      },
    });
    await gateway.call('POST', `/v2/trace/${traceA}/exit`, {
      body: {
        status: 'completed',
        reward: 1.0,
        evaluation_result: { score: 1.0 },
        stop_reason: 'done',
        metadata: {},
      },
    });
    await gateway.call('POST', `/v2/trace/${traceB}/exit`, {
      body: { status: 'error', reward: 0.0, error: '[provisioning] no such image' },
    });

    // hud jobs: GET /v2/jobs?limit= → items with id, name, taskset_name, status, created_at.
    const jobs = await gateway.call('GET', '/v2/jobs?limit=20');
    expect(jobs.status).toBe(200);
    expect(jobs.body).toEqual({
      items: [
        expect.objectContaining({
          id: jobId,
          name: 'letter-count (2 tasks)',
          taskset_name: null,
          status: 'completed',
          created_at: expect.any(String),
          trace_count: 2,
          error_count: 1,
          reward: 1,
        }),
      ],
      next_cursor: null,
    });
    // hud jobs <id> sends str(UUID(id)): GET /v2/jobs/{uuid}/traces → items with id, status, reward, error.
    const traces = await gateway.call('GET', `/v2/jobs/${dashed(jobId)}/traces?limit=20`);
    expect(traces.status).toBe(200);
    expect(traces.body.items).toHaveLength(2);
    expect(traces.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: traceA,
          status: 'completed',
          reward: 1,
          error: null,
          start_time: expect.any(String),
        }),
        expect.objectContaining({
          id: traceB,
          status: 'error',
          reward: 0,
          error: '[provisioning] no such image',
        }),
      ]),
    );
    // HostedRuntime polls GET /v2/trace/{uuid} for status, reward, error.
    expect((await gateway.call('GET', `/v2/trace/${dashed(traceB)}`)).body).toMatchObject({
      status: 'error',
      reward: 0,
      error: '[provisioning] no such image',
    });
    // hud trace: GET /v2/trace/{id}/events → {events: [{kind, …}]}.
    const events = await gateway.call('GET', `/v2/trace/${traceA}/events`);
    expect(events.body.events.map((event: { kind: string }) => event.kind)).toEqual([
      'environment',
      'agent_message',
      'tool_result',
      'task',
    ]);
    expect(events.body.events[0]).toMatchObject({ text: "How many r's?", step_id: 1 });
    expect(events.body.events[1]).toMatchObject({
      text: 'Let me count.',
      reasoning: 'r, r, r',
      tool_calls: [{ id: 'c1', name: 'bash', arguments: { command: 'grep -o r' } }],
    });
    expect(events.body.events[2]).toMatchObject({ name: 'bash', result: 'r\nr\nr', error: null });
    expect(events.body.events[3]).toMatchObject({ phase: 'evaluate', result: { score: 1 } });
  });

  it('answers 404 for unknown ids and 400 for malformed bodies, naming the field', async () => {
    gateway = await testGateway();
    const missingJob = await gateway.call('GET', `/v2/jobs/${runId()}/traces`);
    expect(missingJob.status).toBe(404);
    expect(missingJob.body.error.code).toBe('not_found');
    expect((await gateway.call('GET', `/v2/trace/${runId()}`)).status).toBe(404);
    expect((await gateway.call('GET', `/v2/trace/${runId()}/events`)).status).toBe(404);

    const noJob = await gateway.call('POST', `/v2/trace/${runId()}/enter`, {
      body: { task_slug: 's' },
    });
    expect(noJob.status).toBe(400);
    expect(noJob.body.error.message).toMatch(/^invalid body: job_id: /);
    const badStatus = await gateway.call('POST', `/v2/trace/${runId()}/exit`, {
      body: { status: 'finished', reward: 1 },
    });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toMatch(/^invalid body: status: /);
    const badGroup = await gateway.call('POST', `/v2/trace/job/${runId()}/enter`, {
      body: { name: 'x', group: 0 },
    });
    expect(badGroup.body.error.message).toMatch(/^invalid body: group: /);
    const badLimit = await gateway.call('GET', '/v2/jobs?limit=0');
    expect(badLimit.body.error.message).toMatch(/^invalid query: limit: /);
  });

  it('names the taskset of a job, for its own team only', async () => {
    gateway = await testGateway();
    const upload = await gateway.call('POST', '/v2/tasks/upload', {
      body: {
        taskset_name: 'letters',
        tasks: [{ name: 'a', env: { name: 'e' }, task_id: 'count', args: {} }],
      },
    });
    const jobId = runId();
    await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, {
      body: { name: 'letters (1 tasks)', group: 2, taskset_id: upload.body.taskset_id },
    });
    expect((await gateway.call('GET', `/v2/jobs/${jobId}`)).body).toMatchObject({
      taskset_id: upload.body.taskset_id,
      taskset_name: 'letters',
      group: 2,
    });
    const other = await gateway.mintKey({ team: 'other' });
    await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, {
      key: other,
      body: { name: 'peeking', group: 1, taskset_id: upload.body.taskset_id },
    });
    expect(
      (await gateway.call('GET', `/v2/jobs/${jobId}`, { key: other })).body.taskset_name,
    ).toBeNull();
  });

  it('pages jobs with next_cursor', async () => {
    gateway = await testGateway();
    for (let index = 0; index < 5; index++) {
      await gateway.call('POST', `/v2/trace/job/${runId()}/enter`, {
        body: { name: `j${index}`, group: 1 },
      });
    }
    const first = await gateway.call('GET', '/v2/jobs?limit=3');
    expect(first.body.items).toHaveLength(3);
    const second = await gateway.call(
      'GET',
      `/v2/jobs?limit=3&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body.items).toHaveLength(2);
    expect(second.body.next_cursor).toBeNull();
    // Another team sees none of them.
    const other = await gateway.mintKey({ team: 'other' });
    expect((await gateway.call('GET', '/v2/jobs', { key: other })).body.items).toEqual([]);
  });
});
