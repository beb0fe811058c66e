import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../gateway.js';
import type { Authenticator } from '../http/auth.js';
import type { ProgressRow, RolloutQueueStore } from '../store/areas/rollout-queue.js';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { freshDataDir, postgresSkip } from '../testing/databases.js';
import { streamJob } from './rollout-submit-stream.js';
import { RolloutHub } from './workers-hub.js';

afterEach(disposeTestGateways);

const hex = (uuid: string) => uuid.replaceAll('-', '');

function row(slug: string) {
  return {
    trace_id: randomUUID(),
    env: 'sample-env',
    task: 'count',
    slug,
    args: {},
    agent: { type: 'oracle', config: {} },
    group_id: null,
  };
}

async function claimAll(gateway: TestGateway, workerId: string, capacity: number) {
  const response = await gateway.call('POST', '/v2/workers/claim', {
    body: { worker_id: workerId, runtimes: ['docker'], capacity },
  });
  expect(response.status).toBe(200);
  return response.body.leases as { lease_id: string; trace_id: string; attempt: number }[];
}

describe('submit_batch', () => {
  it('refuses rollouts for a cancelled job with 409 and queues nothing', async () => {
    const gateway = await testGateway();
    const jobId = randomUUID();
    await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: { job_id: jobId, rollouts: [row('before')] },
    });
    const cancelled = await gateway.call('POST', '/v2/rollouts/cancel_job', {
      body: { job_id: jobId },
    });
    expect(cancelled.body).toMatchObject({ found: true, cancelled: 1 });
    const late = await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: { job_id: jobId, rollouts: [row('after')] },
    });
    expect(late.status).toBe(409);
    expect(JSON.stringify(late.body)).toContain('was cancelled');
    const single = await gateway.call('POST', '/v2/rollouts/submit', {
      body: { ...row('single'), job_id: jobId },
    });
    expect(single.status).toBe(409);
    expect(await claimAll(gateway, 'w', 5)).toEqual([]);
    const job = (await gateway.call('GET', `/v2/jobs/${jobId}`)).body;
    expect(job.trace_count).toBe(1);
  });

  it.each(['sqlite', 'postgres'] as const)(
    'with max_concurrent 2 never has more than 2 leased (%s)',
    async (dialect) => {
      if (dialect === 'postgres' && postgresSkip()) return;
      const gateway = await testGateway({ dialect });
      const jobId = randomUUID();
      const rollouts = Array.from({ length: 7 }, (_, i) => row(`r-${i}`));
      const submitted = await gateway.call('POST', '/v2/rollouts/submit_batch', {
        body: { job_id: jobId, job_name: 'batch', max_concurrent: 2, rollouts },
      });
      expect(submitted.body).toEqual({ job_id: hex(jobId), submitted: 7, created: 7 });
      // Re-sent: accepted again, nothing new.
      expect(
        (
          await gateway.call('POST', '/v2/rollouts/submit_batch', {
            body: { job_id: jobId, max_concurrent: 2, rollouts },
          })
        ).body,
      ).toEqual({ job_id: hex(jobId), submitted: 7, created: 0 });
      const held = new Map<string, string>();
      let most = 0;
      const finished = new Set<string>();
      for (let round = 0; round < 20 && finished.size < 7; round++) {
        for (const worker of ['w1', 'w2']) {
          for (const lease of await claimAll(gateway, worker, 5))
            held.set(lease.lease_id, lease.trace_id);
          most = Math.max(most, held.size);
        }
        const [first] = held;
        if (!first) continue;
        const done = await gateway.call('POST', '/v2/workers/complete', {
          body: { lease_id: first[0], status: 'completed', reward: 1 },
        });
        expect(done.status).toBe(200);
        held.delete(first[0]);
        finished.add(first[1]);
      }
      expect(most).toBe(2);
      expect(finished.size).toBe(7);
      const job = (await gateway.call('GET', `/v2/jobs/${jobId}`)).body;
      expect(job).toMatchObject({ name: 'batch', status: 'completed', trace_count: 7, reward: 1 });
    },
  );

  it('rejects bad rows naming the field, and duplicate trace ids', async () => {
    const gateway = await testGateway();
    const missing = await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: { job_id: randomUUID(), rollouts: [row('a'), { ...row('b'), env: '' }] },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain('rollouts[1].env');
    const twice = row('c');
    const duplicate = await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: { job_id: randomUUID(), rollouts: [twice, twice] },
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.detail).toContain('rollouts[1].trace_id');
    const badCap = await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: { job_id: randomUUID(), max_concurrent: 0, rollouts: [row('d')] },
    });
    expect(badCap.status).toBe(400);
    expect(badCap.body.detail).toContain('max_concurrent');
  });
});

/** Reads Server-Sent Events from a real HTTP response until it closes. */
async function readEvents(
  url: string,
  key: string,
  onEvent: (event: { event: string; data: unknown }) => void,
): Promise<{ status: number }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!response.body || response.status !== 200) return { status: response.status };
  const stream = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of stream) {
    onEvent({ event: message.event ?? 'message', data: JSON.parse(message.data) });
  }
  return { status: response.status };
}

describe('GET /v2/jobs/{id}/stream', () => {
  it('emits a snapshot, trace events on each change and end, then closes', async () => {
    const gateway = await testGateway();
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = gateway.app.server.address() as AddressInfo;
    const jobId = randomUUID();
    const rollouts = [row('s-1'), row('s-2'), row('s-3')];
    await gateway.call('POST', '/v2/rollouts/submit_batch', {
      body: { job_id: jobId, max_concurrent: 2, rollouts },
    });
    const events: { event: string; data: unknown }[] = [];
    let snapshot: () => void = () => {};
    const snapshotSeen = new Promise<void>((resolve) => {
      snapshot = resolve;
    });
    const reading = readEvents(
      `http://127.0.0.1:${port}/v2/jobs/${jobId}/stream`,
      gateway.adminKey,
      (event) => {
        events.push(event);
        if (event.event === 'snapshot') snapshot();
      },
    );
    await snapshotSeen;
    const [a, b] = await claimAll(gateway, 'w', 3);
    await gateway.call('POST', '/v2/rollouts/cancel', {
      body: { trace_id: rollouts[2]?.trace_id },
    });
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: a?.lease_id, status: 'completed', reward: 1 },
    });
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: b?.lease_id, status: 'error', error: 'agent crashed' },
    });
    const result = await reading;
    expect(result.status).toBe(200);
    expect(events[0]).toEqual({
      event: 'snapshot',
      data: {
        job_id: hex(jobId),
        total: 3,
        counts: { queued: 3, running: 0, completed: 0, error: 0, cancelled: 0 },
        traces: expect.arrayContaining([
          {
            trace_id: hex(rollouts[0]?.trace_id ?? ''),
            status: 'queued',
            reward: null,
            error: null,
            slug: 's-1',
            group_id: null,
          },
        ]),
      },
    });
    const traceEvents = events.filter((event) => event.event === 'trace');
    // Every change made through this gateway is an event of its own, in order.
    const statusesOf = (traceId: string | undefined) =>
      traceEvents
        .map((event) => event.data as { trace_id: string; status: string })
        .filter((data) => data.trace_id === traceId)
        .map((data) => data.status);
    expect(statusesOf(a?.trace_id)).toEqual(['running', 'completed']);
    expect(statusesOf(b?.trace_id)).toEqual(['running', 'error']);
    expect(statusesOf(hex(rollouts[2]?.trace_id ?? ''))).toEqual(['cancelled']);
    expect(traceEvents.map((event) => event.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          trace_id: a?.trace_id,
          status: 'completed',
          reward: 1,
          attempt: 1,
        }),
        expect.objectContaining({ trace_id: b?.trace_id, status: 'error', error: 'agent crashed' }),
      ]),
    );
    expect(events.at(-1)).toEqual({
      event: 'end',
      data: {
        job_id: hex(jobId),
        counts: { queued: 0, running: 0, completed: 1, error: 1, cancelled: 1 },
      },
    });
  });

  it('answers 404 for an unknown job and 401 without a key', async () => {
    const gateway = await testGateway();
    expect((await gateway.call('GET', `/v2/jobs/${randomUUID()}/stream`)).status).toBe(404);
    expect(
      (await gateway.call('GET', `/v2/jobs/${randomUUID()}/stream`, { key: null })).status,
    ).toBe(401);
  });
});

describe('a gateway restarted on the same data dir', () => {
  it('keeps queued and leased rollouts; the leases expire and are queued again', async () => {
    const { dir, cleanup } = await freshDataDir();
    const bootstrapKey = 'hud_restart_test_key_0123456789';
    const options = {
      port: 0,
      dataDir: dir,
      bootstrapKey,
      logLevel: 'silent' as const,
      rollouts: { leaseTtlSeconds: 0.5 },
    };
    const call = async (url: string, path: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field.
      return (await response.json()) as any;
    };
    try {
      const jobId = randomUUID();
      const rollouts = [row('keep-1'), row('keep-2')];
      let leasedTrace: string;
      {
        await using first = await startGateway(options);
        await call(first.url, '/v2/rollouts/submit_batch', { job_id: jobId, rollouts });
        const claimed = await call(first.url, '/v2/workers/claim', {
          worker_id: 'w1',
          runtimes: ['docker'],
          capacity: 1,
        });
        leasedTrace = claimed.leases[0].trace_id;
      }
      await using second = await startGateway(options);
      const waiting = rollouts.find((r) => hex(r.trace_id) !== leasedTrace);
      const trace = await fetch(`${second.url}/v2/trace/${waiting?.trace_id}`, {
        headers: { authorization: `Bearer ${bootstrapKey}` },
      });
      expect(((await trace.json()) as { status: string }).status).toBe('queued');
      const leases: { trace_id: string; attempt: number }[] = [];
      for (let i = 0; i < 50 && leases.length < 2; i++) {
        const claimed = await call(second.url, '/v2/workers/claim', {
          worker_id: 'w2',
          runtimes: ['docker'],
          capacity: 2,
        });
        leases.push(...claimed.leases);
        if (leases.length < 2) await sleep(100);
      }
      expect(leases.find((lease) => lease.trace_id === leasedTrace)?.attempt).toBe(2);
      expect(leases.find((lease) => lease.trace_id !== leasedTrace)?.attempt).toBe(1);
    } finally {
      await cleanup();
    }
  });
});

describe('streamJob', () => {
  it('sends each change published through the gateway, even two between database reads', async () => {
    // The database still shows the trace queued (another transaction's view); the published changes
    // must each be an event of their own, and the stale row must not undo them.
    const stale: ProgressRow = {
      trace_id: 't1',
      status: 'queued',
      reward: null,
      error: null,
      slug: 's',
      group_id: null,
      attempt: 1,
      updated_at: '2026-01-01T00:00:00.000Z',
    };
    const queue = { jobProgress: async () => [stale] } as unknown as RolloutQueueStore;
    const hub = new RolloutHub(queue, { forget() {} } as unknown as Authenticator);
    let text = '';
    const closers: (() => void)[] = [];
    const response = {
      writableEnded: false,
      writeHead() {},
      write(chunk: string) {
        text += chunk;
        return true;
      },
      end() {
        this.writableEnded = true;
        for (const close of closers) close();
      },
      once(_event: string, listener: () => void) {
        closers.push(listener);
      },
    };
    const streaming = streamJob({
      queue,
      hub,
      teamId: 'team',
      jobId: 'job',
      response: response as unknown as ServerResponse,
      log: { warn() {} } as unknown as FastifyBaseLogger,
    });
    for (let i = 0; i < 100 && !text.includes('snapshot'); i++) await sleep(5);
    const change = { teamId: 'team', jobId: 'job', traceId: 't1', attempt: 1, error: null };
    hub.publish([
      { ...change, status: 'running', reward: null, at: '2026-01-01T00:00:01.000Z' },
      { ...change, status: 'completed', reward: 1, at: '2026-01-01T00:00:02.000Z' },
    ]);
    await streaming;
    hub.stop();
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block) => {
        const [event, data] = block.split('\n');
        return [event?.slice('event: '.length), JSON.parse(data?.slice('data: '.length) ?? '')];
      });
    expect(events.map(([event, data]) => `${event}:${data.status ?? ''}`)).toEqual([
      'snapshot:',
      'trace:running',
      'trace:completed',
      'end:',
    ]);
    expect(events[2]?.[1]).toMatchObject({ trace_id: 't1', reward: 1, attempt: 1, slug: 's' });
  });
});
