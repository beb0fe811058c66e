import type { AddressInfo } from 'node:net';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { runId } from '../testing/spans.js';

afterEach(disposeTestGateways);

/** A job as hud-ts's `hud eval` reports it (with the agent extras), and its traces entered. */
async function reportJob(
  gateway: TestGateway,
  job: { name: string; group: number; agent?: string; model?: string; total?: number },
  slugs: readonly string[],
): Promise<{ jobId: string; traces: string[] }> {
  const jobId = runId();
  const entered = await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, {
    body: {
      name: job.name,
      group: job.group,
      agent: job.agent,
      model: job.model,
      total_count: job.total,
    },
  });
  expect(entered.status).toBe(200);
  const traces: string[] = [];
  for (const slug of slugs) {
    const traceId = runId();
    await gateway.call('POST', `/v2/trace/${traceId}/enter`, {
      body: { job_id: jobId, task_slug: slug, model: 'gpt-x' },
    });
    traces.push(traceId);
  }
  return { jobId, traces };
}

const exit = (gateway: TestGateway, traceId: string, body: Record<string, unknown>) =>
  gateway.call('POST', `/v2/trace/${traceId}/exit`, { body });

describe('GET /v2/jobs viewer fields and filters', () => {
  it('answers agent, model, totals, success rate, pass@k, duration and reported usage', async () => {
    const gateway = await testGateway();
    const { jobId, traces } = await reportJob(
      gateway,
      { name: 'letter count', group: 2, agent: 'claude', model: 'sonnet', total: 4 },
      ['a', 'a', 'b', 'b'],
    );
    const usage = { prompt_tokens: 10, completion_tokens: 3, cached_tokens: 1, cost_usd: 0.25 };
    for (const [index, reward] of [1, 0, 0, 0].entries()) {
      await exit(gateway, traces[index] as string, {
        status: 'completed',
        reward,
        metadata: { usage },
      });
    }
    const job = await gateway.call('GET', `/v2/jobs/${jobId}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      agent: 'claude',
      model: 'sonnet',
      total_count: 4,
      task_count: 2,
      completed_count: 4,
      success_rate: 0.25,
      pass_at_k: 0.5,
      input_tokens: 40,
      output_tokens: 12,
      cached_tokens: 4,
      cost_usd: 1,
    });
    expect(typeof job.body.duration_ms).toBe('number');
    const trace = await gateway.call('GET', `/v2/trace/${traces[0]}`);
    expect(trace.body).toMatchObject({ input_tokens: 10, output_tokens: 3, cost_usd: 0.25 });
  });

  it('filters by q, status and taskset; rejects an unknown status naming it', async () => {
    const gateway = await testGateway();
    const done = await reportJob(gateway, { name: 'Coding fix', group: 1 }, ['a']);
    await exit(gateway, done.traces[0] as string, { status: 'completed', reward: 1 });
    const live = await reportJob(gateway, { name: 'browser', group: 1, agent: 'operator' }, ['b']);
    const ids = async (query: string) =>
      (await gateway.call('GET', `/v2/jobs?${query}`)).body.items.map(
        (item: { id: string }) => item.id,
      );
    expect(await ids('q=coding')).toEqual([done.jobId]);
    expect(await ids('q=OPERATOR')).toEqual([live.jobId]);
    expect(await ids('status=running')).toEqual([live.jobId]);
    expect(await ids('status=completed')).toEqual([done.jobId]);
    expect(await ids('taskset=nothing')).toEqual([]);
    expect(await ids('limit=10')).toEqual([live.jobId, done.jobId]);
    const bad = await gateway.call('GET', '/v2/jobs?status=finished');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('status');
  });
});

/** Reads Server-Sent Events from a real HTTP response until it closes. */
async function readEvents(
  url: string,
  key: string,
  onEvent: (event: { event: string; data: unknown }) => void,
): Promise<number> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!response.body || response.status !== 200) return response.status;
  const stream = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of stream) {
    onEvent({ event: message.event ?? 'message', data: JSON.parse(message.data) });
  }
  return response.status;
}

describe('GET /v2/jobs/{id}/stream for a job reported through telemetry (not hosted)', () => {
  it('sends the snapshot, each trace that ends, then end', async () => {
    const gateway = await testGateway();
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = gateway.app.server.address() as AddressInfo;
    const { jobId, traces } = await reportJob(gateway, { name: 'local', group: 1 }, ['a', 'b']);
    const events: { event: string; data: unknown }[] = [];
    let snapshotSeen: () => void = () => {};
    const snapshot = new Promise<void>((resolve) => {
      snapshotSeen = resolve;
    });
    const reading = readEvents(
      `http://127.0.0.1:${port}/v2/jobs/${jobId}/stream`,
      gateway.adminKey,
      (event) => {
        events.push(event);
        if (event.event === 'snapshot') snapshotSeen();
      },
    );
    await snapshot;
    await exit(gateway, traces[0] as string, { status: 'completed', reward: 1 });
    await exit(gateway, traces[1] as string, { status: 'error', reward: null, error: 'crashed' });
    expect(await reading).toBe(200);
    expect(events[0]).toMatchObject({
      event: 'snapshot',
      data: { job_id: jobId, total: 2, counts: { running: 2 } },
    });
    expect(events.filter((event) => event.event === 'trace').map((event) => event.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ trace_id: traces[0], status: 'completed', reward: 1 }),
        expect.objectContaining({ trace_id: traces[1], status: 'error', error: 'crashed' }),
      ]),
    );
    expect(events.at(-1)).toEqual({
      event: 'end',
      data: {
        job_id: jobId,
        counts: { queued: 0, running: 0, completed: 1, error: 1, cancelled: 0 },
      },
    });
  });
});
