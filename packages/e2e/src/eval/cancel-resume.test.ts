import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Agent, OracleAgent } from '@hud/agents';
import { hasVerdict, type JobProgress, JobStore, type RunOptions, Taskset } from '@hud/eval';
import { fixedAgent, scriptedAgent, tempDirEachTest, untilAborted } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { closedTemplates, count, env } from './__fixtures__/counter-env.js';
import { expectUngraded } from './__fixtures__/expect-runs.js';
import { perLeaseProvider, sharedServerProvider } from './__fixtures__/in-process-provider.js';

const scratch = tempDirEachTest('hud-eval-resume-');

describe('cancellation', () => {
  it('starts nothing new, cancels running tasks, and resolves with the partial job', async () => {
    const words = ['w-one', 'w-two', 'w-three', 'w-four', 'w-five', 'w-six'];
    const shared = await sharedServerProvider(env);
    const controller = new AbortController();
    let inAgent = 0;
    const store = new JobStore(scratch.path);
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
    expectUngraded(job, {
      status: 'cancelled',
      stop_reason: 'cancelled',
      error: '[agent loop] cancelled',
    });
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
    const store = new JobStore(scratch.path);
    const lanes = perLeaseProvider(env);
    const taskset = new Taskset(
      'r',
      ['banana', 'anagram', 'bandana'].map((word) => count({ word, letter: 'a' })),
    );
    const oracle = new OracleAgent();
    const controller = new AbortController();
    let started = 0;
    // The oracle, interrupted: same name, since a resume must run the agent the job recorded.
    const interrupted = scriptedAgent(async (context) => {
      if (++started <= 3) return oracle.run(context);
      controller.abort(); // Ctrl-C while the fourth run is in its agent loop
      return untilAborted(context.signal);
    }, 'oracle');
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
    await appendFile(path.join(scratch.path, first.id, 'runs.jsonl'), '{"trace_id": "torn');

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
    expect(
      (await readFile(path.join(scratch.path, first.id, 'runs.jsonl'), 'utf8')).endsWith('\n'),
    ).toBe(true);

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

  it('refuses to resume with another agent, model, group, step budget, source or taskset', async () => {
    const store = new JobStore(scratch.path);
    const lanes = perLeaseProvider(env);
    const taskset = new Taskset(
      'r',
      ['banana', 'anagram'].map((word) => count({ word, letter: 'a' })),
    );
    const first = await taskset.run({
      agent: fixedAgent('0'),
      provider: lanes.provider,
      store,
      group: 2,
      maxSteps: 7,
      source: '/tasks/a.ts',
    });
    expect(first.reward).toBe(0);
    const recorded = await store.openJob(first.id);
    expect(recorded).toMatchObject({
      agent: { name: 'fixed', model: null },
      group: 2,
      max_steps: 7,
      source: '/tasks/a.ts',
      owner: { pid: process.pid },
    });
    const runsBefore = await store.readRuns(first.id);
    const resume = (options: Partial<RunOptions>, tasks: Taskset = taskset) =>
      tasks.run({
        agent: fixedAgent('0'),
        provider: lanes.provider,
        store,
        resume: first.id,
        ...options,
      });
    const mismatch = (pattern: RegExp) =>
      expect.objectContaining({ code: 'resume_mismatch', message: expect.stringMatching(pattern) });
    await expect(resume({ agent: new OracleAgent() })).rejects.toEqual(
      mismatch(/it was run with agent 'fixed', this run has agent 'oracle'/),
    );
    await expect(
      resume({ agent: { ...fixedAgent('0'), model: 'other-model' } as Agent }),
    ).rejects.toEqual(mismatch(/model none, this run has model 'other-model'/));
    await expect(resume({ group: 3 })).rejects.toEqual(
      mismatch(/group size 2, this run has group size 3/),
    );
    await expect(resume({ maxSteps: 10 })).rejects.toEqual(
      mismatch(/max steps 7, this run has max steps 10/),
    );
    await expect(resume({ source: '/tasks/b.ts' })).rejects.toEqual(
      mismatch(/source \/tasks\/a\.ts, this run has source \/tasks\/b\.ts/),
    );
    await expect(
      resume({}, new Taskset('r', [count({ word: 'banana', letter: 'a' })])),
    ).rejects.toEqual(
      mismatch(/2 tasks \(count-[0-9a-f]{8}, count-[0-9a-f]{8}\), this run has 1 task/),
    );
    // Nothing was mixed into the job.
    expect(await store.readRuns(first.id)).toEqual(runsBefore);
    expect(await store.openJob(first.id)).toEqual(recorded);
    expect(lanes.acquired).toBe(4);
    // Matching (the recorded group and step budget taken when not given) is accepted.
    const resumed = await resume({ source: '/tasks/a.ts' });
    expect(resumed.group).toBe(2);
    expect((await store.openJob(first.id)).max_steps).toBe(7);
  });

  it('refuses to resume a job a live process is still running', async () => {
    const store = new JobStore(scratch.path);
    const lanes = perLeaseProvider(env);
    const taskset = new Taskset('r', [count({ word: 'banana', letter: 'a' })]);
    const first = await taskset.run({ agent: new OracleAgent(), provider: lanes.provider, store });
    const meta = await store.openJob(first.id);
    // As if this (live) process were still working on it.
    await writeFile(
      path.join(scratch.path, first.id, 'job.json'),
      JSON.stringify({ ...meta, status: 'running' }),
    );
    await expect(
      taskset.run({
        agent: new OracleAgent(),
        provider: lanes.provider,
        store,
        resume: first.id,
      }),
    ).rejects.toMatchObject({
      code: 'job_running',
      message: expect.stringContaining(`still being run by process ${process.pid}`),
    });
  });

  it('names an unknown job', async () => {
    const run = new Taskset('r', [count({ word: 'a', letter: 'a' })]).run({
      agent: new OracleAgent(),
      provider: perLeaseProvider(env).provider,
      store: new JobStore(scratch.path),
      resume: 'deadbeef',
    });
    await expect(run).rejects.toThrow(`no job 'deadbeef' in ${scratch.path}`);
  });
});
