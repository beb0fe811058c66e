import { appendFile, readdir, readFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import { OracleAgent } from '@hud/agents';
import { JobStore, Taskset } from '@hud/eval';
import { tempDirEachTest } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { count, env } from './__fixtures__/counter-env.js';
import { perLeaseProvider } from './__fixtures__/in-process-provider.js';

// The job store filled by real runs over a served environment (the store's own unit tests stay in
// packages/eval/src/store.test.ts).
const scratch = tempDirEachTest('hud-eval-store-');

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean);
const taskset = () =>
  new Taskset(
    'letters',
    ['banana', 'anagram', 'abc'].map((word) => count({ word, letter: 'a' })),
  );

describe('JobStore', () => {
  it('writes job.json, tasks.jsonl, one runs.jsonl line per run and one trace file per run', async () => {
    const store = new JobStore(scratch.path);
    const job = await taskset().run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
      group: 2,
      store,
      source: 'letters.jsonl',
    });
    const directory = path.join(scratch.path, job.id);
    expect((await readdir(directory)).sort()).toEqual([
      'job.json',
      'runs.jsonl',
      'tasks.jsonl',
      'traces',
    ]);
    expect(await lines(path.join(directory, 'runs.jsonl'))).toHaveLength(6);
    expect(await lines(path.join(directory, 'tasks.jsonl'))).toHaveLength(3);
    // Step files; each run's side records (`<id>.events.jsonl`, …) sit next to them.
    const traces = (await readdir(path.join(directory, 'traces'))).filter(
      (name) => name.split('.').length === 2,
    );
    expect(traces.sort()).toEqual(job.runs.map((run) => `${run.trace_id}.jsonl`).sort());
    for (const file of traces)
      expect(await lines(path.join(directory, 'traces', file))).toHaveLength(4);

    const meta = await store.openJob(job.id);
    expect(meta).toMatchObject({
      id: job.id,
      name: 'letters (3 tasks) (2 times)',
      group: 2,
      status: 'completed',
      source: 'letters.jsonl',
      agent: { name: 'oracle', model: null },
      taskset: { name: 'letters', count: 3, file: 'tasks.jsonl' },
      totals: { runs: 6, verdicts: 6, errors: 0, cancelled: 0, reward: 1 },
    });
    expect((await store.listJobs()).map((listed) => listed.id)).toEqual([job.id]);
    expect(await store.readTasks(job.id)).toEqual(taskset().tasks.map((task) => ({ ...task })));
    const stored = await store.loadTaskset(job.id);
    expect([stored.name, stored.slugs]).toEqual(['letters', taskset().slugs]);
    const runs = await store.readRuns(job.id);
    expect(runs.map((run) => run.trace_id).sort()).toEqual(
      job.runs.map((run) => run.trace_id).sort(),
    );
    const trace = await store.readTrace(job.runs[0]?.trace_id as string);
    expect(trace.map((step) => step.source)).toEqual(['task', 'user', 'agent', 'task']);
    const loaded = await store.loadJob(job.id);
    expect(loaded.reward).toBe(1);
    expect(loaded.runs).toHaveLength(6);
    // With a store, traces live on disk, not in memory.
    expect(job.trace(job.runs[0]?.trace_id as string)).toBeUndefined();
  });

  it('reads a store torn mid-line by a crash', async () => {
    const store = new JobStore(scratch.path);
    const job = await taskset().run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
      store,
    });
    const runsFile = path.join(scratch.path, job.id, 'runs.jsonl');
    await appendFile(runsFile, JSON.stringify(job.runs[0]).slice(0, 40));
    expect(await store.readRuns(job.id)).toHaveLength(3);

    const traceId = job.runs[1]?.trace_id as string;
    const traceFile = path.join(scratch.path, job.id, 'traces', `${traceId}.jsonl`);
    const text = await readFile(traceFile, 'utf8');
    await truncate(traceFile, Buffer.byteLength(text) - 10);
    const steps = await store.readTrace(traceId, { jobId: job.id });
    expect(steps.map((step) => step.step_id)).toEqual([1, 2, 3]);
  });
});
