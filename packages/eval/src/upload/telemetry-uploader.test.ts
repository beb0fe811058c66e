import type { TraceStep } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { type PlatformServer, startPlatformServer } from './__fixtures__/platform-server.js';
import { traceEnterReport } from './lifecycle.js';
import { type HudSpan, stepSpan } from './span.js';
import { TelemetryUploader, type TelemetryUploaderOptions } from './telemetry-uploader.js';

const KEY = 'hud-test-key-that-must-not-leak';
const servers: PlatformServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(decide?: Parameters<typeof startPlatformServer>[0]) {
  const server = await startPlatformServer(decide);
  servers.push(server);
  return server;
}

function uploaderFor(server: PlatformServer, options: Partial<TelemetryUploaderOptions> = {}) {
  return new TelemetryUploader({
    telemetryUrl: `${server.url}/v3/api`,
    apiUrl: server.url,
    apiKey: KEY,
    minRetryMs: 5,
    maxRetryMs: 20,
    ...options,
  });
}

/** Spans `from`…`to - 1` of trace `traceId`. */
function spansOf(traceId: string, from: number, to: number): HudSpan[] {
  const spans: HudSpan[] = [];
  for (let index = from; index < to; index++) {
    const step = {
      step_id: index + 1,
      source: 'agent',
      content: `step ${index}`,
      ended_at: '2026-12-06T00:00:00.000000Z',
    } as TraceStep;
    spans.push(stepSpan(traceId, step));
  }
  return spans;
}

const uploadPath = (traceId: string) => `/v3/api/trace/${traceId}/telemetry-upload`;

/** The span ids the server acknowledged for `traceId`, in the order they were stored. */
function storedIds(server: PlatformServer, traceId: string): string[] {
  return server.acknowledged
    .filter((request) => request.path === uploadPath(traceId))
    .flatMap((request) => (request.body.telemetry as HudSpan[]).map((span) => span.span_id));
}

const ids = (spans: readonly HudSpan[]) => spans.map((span) => span.span_id);

describe('TelemetryUploader', () => {
  it('sends batches of at most 100 spans, in order per trace, reports in their place, with the key', async () => {
    const server = await serve();
    const uploader = uploaderFor(server);
    const [a, b] = [newId(), newId()];
    const all = { a: spansOf(a, 0, 250), b: spansOf(b, 0, 30) };
    uploader.report(a, traceEnterReport({ traceId: a, jobId: 'job1', slug: 's', groupId: 'g' }));
    uploader.spans(a, all.a.slice(0, 120));
    uploader.spans(b, all.b);
    uploader.spans(a, all.a.slice(120));
    uploader.report(a, { path: `/v2/trace/${a}/exit`, body: { status: 'completed', reward: 1 } });

    const summary = await uploader.flush(30_000);

    expect(summary).toMatchObject({ spansSent: 280, reportsSent: 2, spansUnsent: 0, failures: 0 });
    const uploads = server.received.filter((request) => request.path.endsWith('telemetry-upload'));
    for (const request of uploads) {
      expect((request.body.telemetry as unknown[]).length).toBeLessThanOrEqual(100);
    }
    expect(uploads.filter((request) => request.path === uploadPath(a))).toHaveLength(3);
    expect(storedIds(server, a)).toEqual(ids(all.a));
    expect(storedIds(server, b)).toEqual(ids(all.b));
    const laneA = server.received
      .filter((request) => request.path.includes(a))
      .map((request) => request.path);
    expect(laneA[0]).toBe(`/v2/trace/${a}/enter`);
    expect(laneA.at(-1)).toBe(`/v2/trace/${a}/exit`);
    expect(server.received[0]?.body).toEqual({ job_id: 'job1', group_id: 'g', task_slug: 's' });
    expect(new Set(server.received.map((request) => request.authorization))).toEqual(
      new Set([`Bearer ${KEY}`]),
    );
  });

  it('retries a batch answered 503 and loses nothing', async () => {
    let refusals = 0;
    const server = await serve((request) =>
      request.path.endsWith('telemetry-upload') && refusals++ < 2 ? 503 : 200,
    );
    const uploader = uploaderFor(server);
    const trace = newId();
    const spans = spansOf(trace, 0, 150);
    uploader.spans(trace, spans);

    const summary = await uploader.flush(30_000);

    expect(refusals).toBeGreaterThanOrEqual(2);
    expect(summary).toMatchObject({ spansSent: 150, spansUnsent: 0, failures: 0 });
    expect(server.received.length).toBe(server.acknowledged.length + 2);
    expect(storedIds(server, trace)).toEqual(ids(spans));
  });

  it('keeps at most maxQueuedSpans in memory and re-reads the rest, dropping nothing', async () => {
    const server = await serve(() => 'hold');
    const store = new Map<string, HudSpan[]>();
    let reloads = 0;
    const uploader = uploaderFor(server, {
      maxQueuedSpans: 20,
      workers: 2,
      reload: async (traceId) => {
        reloads++;
        return store.get(traceId) ?? [];
      },
    });
    const traces = Array.from({ length: 5 }, () => newId());
    for (const trace of traces) store.set(trace, spansOf(trace, 0, 30));
    for (const trace of traces) {
      for (let from = 0; from < 30; from += 10) {
        uploader.spans(trace, (store.get(trace) ?? []).slice(from, from + 10));
        expect(uploader.queuedSpans).toBeLessThanOrEqual(20);
      }
    }
    // Answer everything held, as it arrives, until the queue is empty.
    const releasing = setInterval(() => server.release(), 5);
    const summary = await uploader.flush(30_000);
    clearInterval(releasing);

    expect(summary).toMatchObject({ spansSent: 150, spansUnsent: 0, failures: 0 });
    for (const trace of traces)
      expect(storedIds(server, trace)).toEqual(ids(store.get(trace) ?? []));
    expect(uploader.queuedSpans).toBe(0);
    expect(reloads).toBeGreaterThan(0);
  });

  it('re-reads the right spans of a trace whose earlier spans went before (its lane emptied)', async () => {
    const server = await serve();
    const trace = newId();
    const all = spansOf(trace, 0, 35);
    const uploader = uploaderFor(server, { maxQueuedSpans: 10, reload: async () => all });
    uploader.spans(trace, all.slice(0, 5));
    await uploader.flush(30_000);
    uploader.spans(trace, all.slice(5));
    const summary = await uploader.flush(30_000);
    expect(summary).toMatchObject({ spansSent: 35, spansUnsent: 0, failures: 0 });
    expect(storedIds(server, trace)).toEqual(ids(all));
  });

  it('without a way to re-read, counts spans past the bound as not uploaded and says so', async () => {
    const server = await serve();
    const uploader = uploaderFor(server, { maxQueuedSpans: 10 });
    const trace = newId();
    uploader.spans(trace, spansOf(trace, 0, 8));
    uploader.spans(trace, spansOf(trace, 8, 16));
    const summary = await uploader.flush(30_000);
    expect(summary.spansSent + summary.spansUnsent).toBe(16);
    expect(summary.spansUnsent).toBeGreaterThan(0);
    expect(summary.failure).toMatch(/upload queue is full/);
  });

  it('flush gives up after its time limit and counts what did not go', async () => {
    const server = await serve(() => 'hang');
    const uploader = uploaderFor(server);
    const trace = newId();
    uploader.report(trace, traceEnterReport({ traceId: trace, jobId: 'j', slug: 's' }));
    uploader.spans(trace, spansOf(trace, 0, 5));

    const summary = await uploader.flush(300);

    expect(summary).toMatchObject({
      spansSent: 0,
      spansUnsent: 5,
      reportsSent: 0,
      reportsUnsent: 1,
    });
    expect(summary.failure).toMatch(/did not finish within 300 ms/);
    // Stopped: later work is counted, not queued.
    uploader.spans(trace, spansOf(trace, 5, 7));
    expect(uploader.summary().spansUnsent).toBe(7);
  });

  it('stops at the first request that fails through its retries (platform down), naming it, not the key', async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    servers.length = 0;
    const uploader = new TelemetryUploader({
      telemetryUrl: `${url}/v3/api`,
      apiUrl: url,
      apiKey: KEY,
      retries: 2,
      minRetryMs: 5,
      maxRetryMs: 10,
    });
    const traces = [newId(), newId(), newId()];
    for (const trace of traces) {
      uploader.report(trace, traceEnterReport({ traceId: trace, jobId: 'j', slug: 's' }));
      uploader.spans(trace, spansOf(trace, 0, 40));
    }
    const summary = await uploader.flush(30_000);
    expect(summary).toMatchObject({
      spansSent: 0,
      reportsSent: 0,
      spansUnsent: 120,
      reportsUnsent: 3,
      failures: 1,
    });
    expect(summary.failure).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/v2\/trace\/\w+\/enter failed/,
    );
    expect(summary.failure).not.toContain(KEY);
  });

  it('drops a refused batch and goes on; a 401 stops everything', async () => {
    const refused = newId();
    const server = await serve((request) => (request.path === uploadPath(refused) ? 400 : 200));
    const uploader = uploaderFor(server);
    const fine = newId();
    uploader.spans(refused, spansOf(refused, 0, 3));
    uploader.spans(fine, spansOf(fine, 0, 3));
    const summary = await uploader.flush(30_000);
    expect(summary).toMatchObject({ spansSent: 3, spansUnsent: 3, failures: 1 });
    expect(summary.failure).toMatch(/answered 400: scripted 400/);

    const locked = await serve(() => 401);
    const denied = uploaderFor(locked, { workers: 1 });
    const [one, two] = [newId(), newId()];
    denied.spans(one, spansOf(one, 0, 3));
    denied.spans(two, spansOf(two, 0, 3));
    const stopped = await denied.flush(30_000);
    expect(stopped).toMatchObject({ spansSent: 0, spansUnsent: 6, failures: 1 });
    expect(locked.received).toHaveLength(1);
  });
});
