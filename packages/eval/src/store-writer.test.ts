import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TraceStep } from '@hud/protocol';
import { tempDirEachTest } from '@hud/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobMeta } from './job-meta.js';
import { JobStore } from './store.js';
import { TRACE_FLUSH_INTERVAL_MS } from './store-writer.js';

const scratch = tempDirEachTest('hud-eval-store-writer-');

const meta: JobMeta = {
  id: 'job1',
  name: 'writer',
  group: 1,
  created_at: '2026-12-06T00:00:00.000Z',
  updated_at: '2026-12-06T00:00:00.000Z',
  status: 'running',
  source: null,
  agent: { name: 'oracle', model: null },
  taskset: { name: 't', count: 1, taskset_id: null, file: 'tasks.jsonl' },
  totals: null,
};

const step = (id: number): TraceStep =>
  ({ source: 'task', step_id: id, ended_at: '2026-12-06T00:00:00.000Z' }) as TraceStep;

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the trace file exists and its creation has been reported back to this thread. */
async function created(file: string): Promise<void> {
  for (let waited = 0; !existsSync(file); waited += 10) {
    if (waited > 10_000) throw new Error(`${file} not created within 10 s`);
    await sleep(10);
  }
  await sleep(50); // the thread pool's completion reaches the event loop on a later turn
}

afterEach(() => {
  vi.useRealTimers();
});

/**
 * A new job's writer with trace `traceId` open, its flush interval faked (the file is still created for
 * real, in the thread pool), and `steps` steps recorded; resolves once the file is created.
 */
async function openTrace(traceId: string, steps: number) {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const writer = await new JobStore(scratch.path).create(meta, []);
  const trace = writer.openTrace(traceId);
  const file = path.join(scratch.path, 'job1', 'traces', `${traceId}.jsonl`);
  for (let id = 1; id <= steps; id++) trace.write(step(id));
  await created(file); // on the first step
  return { writer, trace, file };
}

const stepIds = (file: string) => lines(file).map((line) => JSON.parse(line).step_id);

describe('TraceWriter', () => {
  it('keeps a trace’s steps until it closes (one write), flushing a trace left open every TRACE_FLUSH_INTERVAL_MS', async () => {
    const { writer, trace, file } = await openTrace('feedc0de', 2);
    expect(readFileSync(file, 'utf8')).toBe('');
    vi.advanceTimersByTime(TRACE_FLUSH_INTERVAL_MS);
    expect(stepIds(file)).toEqual([1, 2]);

    trace.write(step(3));
    await trace.close();
    expect(stepIds(file)).toEqual([1, 2, 3]);
    trace.write(step(4)); // after close: dropped
    await writer.close();
    expect(stepIds(file)).toEqual([1, 2, 3]);
  });

  it('writes what is still open when the job writer closes', async () => {
    const { writer, trace, file } = await openTrace('0ddba11', 1);
    await writer.close();
    expect(stepIds(file)).toEqual([1]);
    await trace.close();
    expect(stepIds(file)).toEqual([1]);
  });

  it('creates a started run’s steps file before its first step (it shows as in progress from the start)', async () => {
    const writer = await new JobStore(scratch.path).create(meta, []);
    const trace = writer.startTrace('5ca1ab1e');
    const file = path.join(scratch.path, 'job1', 'traces', '5ca1ab1e.jsonl');
    await created(file);
    expect(readFileSync(file, 'utf8')).toBe('');
    trace.write(step(1));
    await trace.close();
    expect(stepIds(file)).toEqual([1]);
    await writer.close();
  });

  it('reports a trace file it cannot create from close()', async () => {
    const writer = await new JobStore(scratch.path).create(meta, []);
    writeFileSync(path.join(scratch.path, 'job1', 'traces'), 'not a directory');
    const trace = writer.openTrace('badf00d');
    trace.write(step(1));
    await expect(trace.close()).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    await writer.close();
  });
});
