import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { runId, stepSpan } from '../testing/spans.js';

afterEach(disposeTestGateways);

const log = (second: number, line: string, stream = 'stdout') => ({
  time: `2026-01-01T00:00:0${second}.000Z`,
  source: 'container',
  stream,
  line,
});
const event = (second: number, phase: string, level = 'info') => ({
  time: `2026-01-01T00:00:0${second}.000Z`,
  source: 'worker',
  phase,
  level,
  message: `${phase} happened`,
});

async function enteredTrace(gateway: TestGateway, jobId = runId()): Promise<string> {
  const traceId = runId();
  await gateway.call('POST', `/v2/trace/${traceId}/enter`, {
    body: { job_id: jobId, task_slug: 'a' },
  });
  return traceId;
}

describe('trace LOGS and DEBUG lines', () => {
  it('stores uploaded lines once, redacted, and pages them in time order', async () => {
    const gateway = await testGateway();
    const traceId = await enteredTrace(gateway);
    const body = {
      logs: [log(2, 'second'), log(1, 'Authorization: Bearer abcdefghijklmnop', 'stderr')],
      events: [event(1, 'claimed'), event(3, 'teardown', 'warn')],
    };
    const first = await gateway.call('POST', `/v2/trace/${traceId}/logs`, { body });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      trace_id: traceId,
      logs: { received: 2, inserted: 2 },
      events: { received: 2, inserted: 2 },
    });
    // A re-sent batch adds nothing.
    const again = await gateway.call('POST', `/v2/trace/${traceId}/logs`, { body });
    expect(again.body.logs).toEqual({ received: 2, inserted: 0 });
    const page = await gateway.call('GET', `/v2/trace/${traceId}/logs?limit=1`);
    expect(page.body.items).toEqual([log(1, 'Authorization: Bearer [redacted]', 'stderr')]);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const rest = await gateway.call(
      'GET',
      `/v2/trace/${traceId}/logs?limit=5&cursor=${encodeURIComponent(page.body.next_cursor)}`,
    );
    expect(rest.body).toEqual({ trace_id: traceId, items: [log(2, 'second')], next_cursor: null });
    const events = await gateway.call('GET', `/v2/trace/${traceId}/events?limit=10`);
    expect(events.body.items.map((item: { phase: string }) => item.phase)).toEqual([
      'claimed',
      'teardown',
    ]);
    expect(events.body.events).toBeUndefined();
  });

  it("keeps hud-python's span-derived events when /events is asked without paging", async () => {
    const gateway = await testGateway();
    const traceId = await enteredTrace(gateway);
    await gateway.call('POST', `/v3/api/trace/${traceId}/telemetry-upload`, {
      body: {
        telemetry: [
          stepSpan(
            traceId,
            { step_id: 1, source: 'agent', content: 'hi' },
            { start: '2026-01-01T00:00:00Z' },
          ),
        ],
      },
    });
    const reply = await gateway.call('GET', `/v2/trace/${traceId}/events`);
    expect(reply.body.events.length).toBeGreaterThan(0);
    expect(reply.body).toMatchObject({ trace_id: traceId, items: [], next_cursor: null });
  });

  it('rejects a bad line naming it, and unknown traces with 404', async () => {
    const gateway = await testGateway();
    const traceId = await enteredTrace(gateway);
    const bad = await gateway.call('POST', `/v2/trace/${traceId}/logs`, {
      body: { logs: [{ ...log(1, 'x'), stream: 'stdin' }] },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('logs[0].stream');
    expect((await gateway.call('GET', `/v2/trace/${runId()}/logs`)).status).toBe(404);
    expect((await gateway.call('GET', `/v2/trace/${runId()}/events`)).status).toBe(404);
  });
});

describe("a hosted rollout's DEBUG events", () => {
  it('lead with the gateway queue events: submitted, retried with the reason, leased, recorded', async () => {
    const gateway = await testGateway();
    const traceId = randomUUID();
    await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: {
        job_id: randomUUID(),
        rollouts: [
          {
            trace_id: traceId,
            env: 'sample-env',
            task: 'count',
            slug: 's',
            args: {},
            agent: { type: 'oracle', config: {} },
          },
        ],
      },
    });
    const claim = async () =>
      (
        await gateway.call('POST', '/v2/workers/claim', {
          body: { worker_id: 'w1', name: 'box-1', runtimes: ['docker'], capacity: 1 },
        })
      ).body.leases[0] as { lease_id: string };
    const phases = async () =>
      (await gateway.call('GET', `/v2/trace/${traceId}/events?limit=50`)).body.items.map(
        (item: { source: string; phase: string }) => `${item.source}:${item.phase}`,
      );
    expect(await phases()).toEqual(['gateway:queued']);
    const first = await claim();
    expect(await phases()).toEqual(['gateway:queued', 'gateway:claimed']);
    const leased = (await gateway.call('GET', `/v2/trace/${traceId}/events?limit=50`)).body.items;
    expect(leased[1].message).toContain('box-1');
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: first.lease_id, status: 'error', error: 'runtime died', retry: true },
    });
    const retried = (await gateway.call('GET', `/v2/trace/${traceId}/events?limit=50`)).body
      .items as { phase: string; message: string }[];
    expect(retried.map((item) => item.phase)).toEqual(['queued', 'retry']);
    expect(retried[1]?.message).toContain('runtime died');
    const second = await claim();
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: second.lease_id, status: 'completed', reward: 1 },
    });
    await gateway.call('POST', `/v2/trace/${traceId}/logs`, {
      body: { events: [event(1, 'agent')] },
    });
    expect(await phases()).toEqual([
      'worker:agent',
      'gateway:queued',
      'gateway:retry',
      'gateway:recorded',
    ]);
  });
});

describe('GET /v2/tasksets/{idOrName}/leaderboard', () => {
  it('ranks the jobs of a taskset by agent and model; 404 for an unknown taskset', async () => {
    const gateway = await testGateway();
    const upload = await gateway.call('POST', '/v2/tasks/upload', {
      body: {
        taskset_name: 'letters',
        tasks: [{ name: 'a', env: { name: 'e' }, task_id: 'count', args: {} }],
      },
    });
    const tasksetId = upload.body.taskset_id as string;
    const runJob = async (agent: string, model: string, rewards: number[]) => {
      const jobId = runId();
      await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, {
        body: { name: 'j', group: 1, taskset_id: tasksetId, agent, model },
      });
      for (const reward of rewards) {
        const traceId = await enteredTrace(gateway, jobId);
        await gateway.call('POST', `/v2/trace/${traceId}/exit`, {
          body: {
            status: 'completed',
            reward,
            metadata: { usage: { prompt_tokens: 5, cost_usd: 0.5 } },
          },
        });
      }
      return jobId;
    };
    await runJob('claude', 'weak', [0, 0]);
    const strong = await runJob('claude', 'strong', [1, 0.5]);
    const strongAgain = await runJob('claude', 'strong', [1, 1]);
    for (const name of ['letters', tasksetId]) {
      const board = await gateway.call('GET', `/v2/tasksets/${name}/leaderboard`);
      expect(board.status).toBe(200);
      expect(board.body).toMatchObject({ taskset_id: tasksetId, taskset_name: 'letters' });
      expect(board.body.rows).toEqual([
        expect.objectContaining({
          agent: 'claude',
          model: 'strong',
          job_count: 2,
          run_count: 4,
          mean_reward: 0.875,
          success_rate: 0.75,
          input_tokens: 20,
          cost_usd: 2,
          latest_job_id: expect.stringMatching(new RegExp(`${strongAgain}|${strong}`)),
        }),
        expect.objectContaining({ model: 'weak', mean_reward: 0, success_rate: 0, job_count: 1 }),
      ]);
    }
    const missing = await gateway.call('GET', '/v2/tasksets/nothing/leaderboard');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('nothing');
  });
});

/** Reads Server-Sent Events from a real HTTP response until the server closes it. */
async function readEvents(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const events: { event: string; data: Record<string, unknown> }[] = [];
  if (!response.body || response.status !== 200) return { status: response.status, events };
  const stream = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of stream) {
    events.push({ event: message.event ?? 'message', data: JSON.parse(message.data) });
  }
  return { status: response.status, events };
}

describe('GET /v2/trace/{id}/stream', () => {
  it('sends the trace, its spans and logs as they arrive, then end; the key may be a query', async () => {
    const gateway = await testGateway();
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
    const traceId = await enteredTrace(gateway);
    const span = stepSpan(
      traceId,
      { step_id: 1, source: 'agent', content: 'hi' },
      {
        start: '2026-01-01T00:00:00Z',
      },
    );
    await gateway.call('POST', `/v3/api/trace/${traceId}/telemetry-upload`, {
      body: { telemetry: [span] },
    });
    const reading = readEvents(`${base}/v2/trace/${traceId}/stream?api_key=${gateway.adminKey}`);
    const late = stepSpan(
      traceId,
      { step_id: 2, source: 'agent', content: 'bye' },
      {
        start: '2026-01-01T00:00:01Z',
      },
    );
    await gateway.call('POST', `/v3/api/trace/${traceId}/telemetry-upload`, {
      body: { telemetry: [late] },
    });
    await gateway.call('POST', `/v2/trace/${traceId}/logs`, { body: { logs: [log(1, 'out')] } });
    await gateway.call('POST', `/v2/trace/${traceId}/exit`, {
      body: { status: 'completed', reward: 1 },
    });
    const { status, events } = await reading;
    expect(status).toBe(200);
    expect(events[0]).toMatchObject({ event: 'trace', data: { id: traceId } });
    const spans = events
      .filter((e) => e.event === 'spans')
      .flatMap((e) => e.data.items as { span_id: string }[]);
    expect(spans.map((s) => s.span_id)).toEqual([span.span_id, late.span_id]);
    const logs = events.filter((e) => e.event === 'logs').flatMap((e) => e.data.items);
    expect(logs).toEqual([log(1, 'out')]);
    const traces = events.filter((e) => e.event === 'trace');
    expect(traces.at(-1)?.data).toMatchObject({ status: 'completed', reward: 1 });
    expect(events.at(-1)).toEqual({ event: 'end', data: { trace_id: traceId } });
  });

  it('needs a key like every data route (header or query); the pages stay public', async () => {
    const gateway = await testGateway();
    const traceId = await enteredTrace(gateway);
    for (const url of [
      `/v2/trace/${traceId}/stream`,
      `/v2/trace/${traceId}/logs`,
      `/v2/trace/${traceId}/events`,
      '/v2/tasksets/letters/leaderboard',
      '/v2/jobs?q=x',
    ]) {
      expect((await gateway.call('GET', url, { key: null })).status, url).toBe(401);
    }
    const wrong = await gateway.call('GET', `/v2/trace/${traceId}/stream?api_key=hud_wrong`, {
      key: null,
    });
    expect(wrong.status).toBe(401);
  });
});
