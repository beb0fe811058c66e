import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OracleAgent } from '@hud/agents';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scriptedAgent, untilAborted } from './__fixtures__/agents.js';
import { closedTemplates, count, env } from './__fixtures__/counter-env.js';
import { perLeaseProvider, sharedServerProvider } from './__fixtures__/in-process-provider.js';
import type { JobProgress } from './events.js';
import { hasVerdict } from './run-record.js';
import { JobStore } from './store.js';
import { Taskset } from './taskset.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'hud-eval-resume-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('cancellation', () => {
  it('starts nothing new, cancels running tasks, and resolves with the partial job', async () => {
    const words = ['w-one', 'w-two', 'w-three', 'w-four', 'w-five', 'w-six'];
    const shared = await sharedServerProvider(env);
    const controller = new AbortController();
    let inAgent = 0;
    const store = new JobStore(root);
    const job = await new Taskset(
      'c',
      words.map((word) => count({ word, letter: 'w' })),
    ).run({
      agent: scriptedAgent((context) => untilAborted(context.signal)),
      provider: shared.provider,
      maxConcurrent: 2,
      store,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'phase' && event.phase === 'agent loop' && ++inAgent === 2)
          controller.abort();
      },
    });
    expect(job.cancelled).toBe(true);
    expect(job.runs).toHaveLength(2);
    for (const run of job.runs) {
      expect(run).toMatchObject({
        status: 'cancelled',
        stop_reason: 'cancelled',
        grade: null,
        isError: true,
      });
      expect(run.error).toBe('[agent loop] cancelled');
    }
    expect(job.reward).toBeNull();
    expect(job.totals()).toMatchObject({ runs: 2, verdicts: 0, errors: 2, cancelled: 2 });
    // The leases left the shared server running, so only tasks.cancel can have closed these templates.
    expect(closedTemplates).toEqual(expect.arrayContaining(['count:w-one', 'count:w-two']));
    await shared[Symbol.asyncDispose]();
    expect(shared.acquired).toBe(2);
    expect(shared.active).toBe(0);
    expect((await store.openJob(job.id)).status).toBe('cancelled');
    expect(await store.readRuns(job.id)).toHaveLength(2);
  });

  it('with the signal already aborted, runs nothing', async () => {
    const lanes = perLeaseProvider(env);
    const job = await new Taskset('c', [count({ word: 'a', letter: 'a' })]).run({
      agent: new OracleAgent(),
      provider: lanes.provider,
      signal: AbortSignal.abort(),
    });
    expect(job.cancelled).toBe(true);
    expect(job.runs).toEqual([]);
    expect(lanes.acquired).toBe(0);
  });
});

describe('resume', () => {
  it('re-runs only the slots without a verdict and records each verdict exactly once', async () => {
    const store = new JobStore(root);
    const lanes = perLeaseProvider(env);
    const taskset = new Taskset(
      'r',
      ['banana', 'anagram', 'bandana'].map((word) => count({ word, letter: 'a' })),
    );
    const oracle = new OracleAgent();
    const controller = new AbortController();
    let started = 0;
    const interrupted = scriptedAgent(async (context) => {
      if (++started <= 3) return oracle.run(context);
      controller.abort(); // Ctrl-C while the fourth run is in its agent loop
      return untilAborted(context.signal);
    });
    const first = await taskset.run({
      agent: interrupted,
      provider: lanes.provider,
      group: 2,
      maxConcurrent: 1,
      store,
      signal: controller.signal,
    });
    expect(first.cancelled).toBe(true);
    expect(first.runs.map((run) => run.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'cancelled',
    ]);

    // A crash mid-append leaves a torn line; resuming must cut it rather than glue onto it.
    await appendFile(path.join(root, first.id, 'runs.jsonl'), '{"trace_id": "torn');

    let progress: JobProgress | undefined;
    const resumed = await taskset.run({
      agent: oracle,
      provider: lanes.provider,
      store,
      resume: first.id,
      onEvent: (event) => {
        progress = event.progress;
      },
    });
    expect(resumed.id).toBe(first.id);
    expect(resumed.group).toBe(2);
    expect(progress).toMatchObject({ total: 3, skipped: 3, done: 3, verdicts: 3 });
    expect(resumed.cancelled).toBe(false);
    expect(resumed.runs).toHaveLength(6);
    expect(resumed.reward).toBe(1);

    const records = await store.readRuns(first.id);
    expect(records).toHaveLength(7); // 3 verdicts + 1 cancelled attempt, then 3 verdicts
    const verdicts = new Map<string, number>();
    for (const record of records.filter(hasVerdict)) {
      const key = `${record.slug}#${record.group_index}`;
      verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
    }
    expect([...verdicts.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(verdicts.size).toBe(6);
    for (const slug of taskset.slugs) {
      expect(
        new Set(records.filter((record) => record.slug === slug).map((record) => record.group_id))
          .size,
      ).toBe(1);
    }
    const meta = await store.openJob(first.id);
    expect(meta).toMatchObject({
      status: 'completed',
      totals: { runs: 6, verdicts: 6, errors: 0, reward: 1 },
    });
    expect((await readFile(path.join(root, first.id, 'runs.jsonl'), 'utf8')).endsWith('\n')).toBe(
      true,
    );

    const again = await taskset.run({
      agent: oracle,
      provider: lanes.provider,
      store,
      resume: first.id,
    });
    expect(again.runs).toHaveLength(6);
    expect(await store.readRuns(first.id)).toHaveLength(7);
    expect(lanes.active).toBe(0);
  });

  it('names an unknown job', async () => {
    const run = new Taskset('r', [count({ word: 'a', letter: 'a' })]).run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
      store: new JobStore(root),
      resume: 'deadbeef',
    });
    await expect(run).rejects.toThrow(`no job 'deadbeef' in ${root}`);
  });
});
