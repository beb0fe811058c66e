import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Environment, serve } from '@hud/environment';
import { JobStore, Taskset } from '@hud/eval';
import type { Agent, Provider } from '@hud/protocol';
import { tempDirEachTest } from '@hud/testing';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createViewServer } from './server.js';

const scratch = tempDirEachTest('hud-view-stream-');
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Event {
  event: string;
  data: Record<string, unknown>;
}

/** Reads Server-Sent Events until the server closes the stream; `onEvent` sees each as it comes. */
async function readEvents(
  url: string,
  onEvent: (event: Event) => void = () => {},
): Promise<Event[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events: Event[] = [];
  const stream = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of stream) {
    const event = { event: message.event ?? 'message', data: JSON.parse(message.data) };
    events.push(event);
    onEvent(event);
  }
  return events;
}

/** A job of two tasks whose agent waits for `release` before answering, running into `root`. */
async function startJob(root: string): Promise<{ release: () => void; done: Promise<string> }> {
  const env = new Environment({ name: 'stream-env' });
  env.template({ id: 'check' }, async function* () {
    const answer: string = yield 'answer pass';
    return answer === 'pass' ? 1 : 0;
  });
  const served = await serve(env);
  cleanups.push(() => served.close());
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const agent: Agent = {
    name: 'waiting',
    async run() {
      await released;
      return { answer: 'pass' };
    },
  };
  const provider: Provider = async () => ({
    url: served.url,
    logLines: async () => [
      { time: '2026-01-01T00:00:00.000Z', source: 'environment', stream: 'stdout', line: 'hi' },
    ],
    [Symbol.asyncDispose]: async () => {},
  });
  const taskset = new Taskset('streamed', [
    { env: 'stream-env', id: 'check', args: {}, slug: 'a' },
    { env: 'stream-env', id: 'check', args: {}, slug: 'b' },
  ]);
  const done = taskset
    .run({ agent, provider, store: new JobStore(root), maxConcurrent: 1 })
    .then((job) => job.id);
  return { release, done };
}

async function listening(root: string): Promise<string> {
  const viewer = path.join(scratch.path, 'viewer');
  mkdirSync(viewer, { recursive: true });
  writeFileSync(path.join(viewer, 'index.html'), '<!doctype html>');
  const app = createViewServer({ store: root, viewerDir: viewer, pollMs: 20 });
  cleanups.push(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** Polls `check` until it returns a value (the store is written by another task of this process). */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('hud view live streams', () => {
  it('streams a running job: snapshot, each trace as it changes, then end', async () => {
    const root = path.join(scratch.path, 'jobs');
    const base = await listening(root);
    const { release, done } = await startJob(root);
    const store = new JobStore(root);
    const jobId = await eventually(async () => (await store.listJobs())[0]?.id);
    let snapshotSeen: () => void = () => {};
    const snapshot = new Promise<void>((resolve) => {
      snapshotSeen = resolve;
    });
    const reading = readEvents(`${base}/v2/jobs/${jobId}/stream`, (event) => {
      if (event.event === 'snapshot') snapshotSeen();
    });
    await snapshot;
    release();
    await done;
    const events = await reading;
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { job_id: jobId } });
    const finished = events.filter(
      (event) => event.event === 'trace' && event.data.status === 'completed',
    );
    // Neither run could finish before the snapshot (the agent waits): both end as trace events.
    expect(finished.map((event) => event.data.slug).sort()).toEqual(['a', 'b']);
    expect(events.at(-1)).toEqual({
      event: 'end',
      data: {
        job_id: jobId,
        counts: { queued: 0, running: 0, completed: 2, error: 0, cancelled: 0 },
      },
    });
  });

  it("streams a trace: the record, its spans and logs, then end once it's recorded", async () => {
    const root = path.join(scratch.path, 'jobs');
    const base = await listening(root);
    const { release, done } = await startJob(root);
    const store = new JobStore(root);
    const jobId = await eventually(async () => (await store.listJobs())[0]?.id);
    // The first trace's file appears once its first step is written (the task's start).
    const traceId = await eventually(async () => {
      const response = await fetch(`${base}/v2/jobs/${jobId}/stream`);
      const reader = (response.body as ReadableStream<Uint8Array>)
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      const first = await reader.read();
      await reader.cancel();
      const traces = JSON.parse(first.value?.data ?? '{}').traces as { trace_id: string }[];
      return traces[0]?.trace_id;
    });
    const reading = readEvents(`${base}/v2/trace/${traceId}/stream`);
    release();
    await done;
    const events = await reading;
    expect(events[0]).toMatchObject({ event: 'trace', data: { id: traceId } });
    const records = events.filter((event) => event.event === 'trace');
    expect(records.at(-1)?.data).toMatchObject({ status: 'completed', reward: 1 });
    const spans = events
      .filter((event) => event.event === 'spans')
      .flatMap((event) => event.data.items as { span_id: string }[]);
    expect(new Set(spans.map((span) => span.span_id)).size).toBe(spans.length);
    expect(spans.length).toBeGreaterThan(0);
    const logs = events
      .filter((event) => event.event === 'logs')
      .flatMap((event) => event.data.items as { line: string }[]);
    expect(logs.map((line) => line.line)).toEqual(['hi']);
    expect(events.at(-1)).toEqual({ event: 'end', data: { trace_id: traceId } });
  });

  it('answers 404 before streaming an unknown job or trace', async () => {
    const base = await listening(path.join(scratch.path, 'jobs'));
    expect((await fetch(`${base}/v2/jobs/0123abcd/stream`)).status).toBe(404);
    expect((await fetch(`${base}/v2/trace/0123abcd/stream`)).status).toBe(404);
  });
});
