import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  interruptedSleepyJob,
  jobIds,
  leftoverProcesses,
  readJobMeta,
  readRunLines,
  recordedRuns,
  removeScratch,
  scratchDir,
  spawnHud,
  stageFixture,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// A job whose `hud eval` was killed (SIGKILL, a second Ctrl-C) is shown by `hud jobs` as interrupted, with
// the runs it recorded and the command that resumes it.

afterAll(removeScratch);

interface ListedJob {
  id: string;
  status: string;
  totals: { runs: number; verdicts: number } | null;
}

async function listJobs(store: string): Promise<ListedJob[]> {
  const listed = await runHud(['jobs', '--store', store, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as ListedJob[];
}

it('shows a SIGKILLed job as interrupted with its recorded runs, and its printed resume command finishes it', async () => {
  const { dir, store, exit } = await interruptedSleepyJob('nop', 'SIGKILL');
  expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
  const [jobId] = jobIds(store) as [string];
  expect(readJobMeta(store, jobId)).toMatchObject({ status: 'running', totals: null }); // as left
  const runs = recordedRuns(store, jobId);
  const recorded = runs.length;
  expect(recorded).toBeGreaterThanOrEqual(1);
  expect(recorded).toBeLessThan(4);
  // The kill lost no step of a recorded run: a trace is written whole and closed before its run is
  // appended to runs.jsonl (steps 1…n, ending with the grade's `task` step).
  for (const { run, steps } of runs) {
    expect(steps.map((step) => step.step_id)).toEqual(steps.map((_, index) => index + 1));
    expect(steps.at(-1)?.source, run.trace_id).toBe('task');
  }

  expect(await listJobs(store)).toEqual([
    expect.objectContaining({
      id: jobId,
      status: 'interrupted',
      totals: expect.objectContaining({ runs: recorded, verdicts: recorded }),
    }),
  ]);
  const table = await runHud(['jobs', '--store', store]);
  const row = table.stdout.split('\n').find((line) => line.includes(jobId)) ?? '';
  expect(row).toMatch(new RegExp(`\\binterrupted[\\s│]+${recorded}[\\s│]+0\\.000\\b`));
  const resume = `hud eval --resume ${jobId} --store ${store}`;
  expect(table.stdout).toContain(
    `job ${jobId} was interrupted (its hud process is gone): resume with ${resume}`,
  );
  const one = await runHud(['jobs', jobId.slice(0, 8), '--store', store]);
  expect(one.stdout).toContain(`job ${jobId} — sleepy (4 tasks) (interrupted, created `);
  expect(one.stdout).toContain(`interrupted (its hud process is gone): resume with ${resume}`);
  expect(await leftoverProcesses(dir), 'processes left behind').toEqual([]);

  // The printed command alone resumes with the recorded agent (nop), not the default one.
  const resumed = await runHud(resume.split(' ').slice(1), { timeoutMs: 60_000 });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('hud eval: 4 tasks × 1 with nop on local');
  expect(resumed.stdout).toMatch(new RegExp(`job ${jobId} — reward 0\\.000 over 4 graded runs`));
  expect(readJobMeta(store, jobId)).toMatchObject({
    status: 'completed',
    agent: { name: 'nop' },
    totals: { runs: 4, verdicts: 4, reward: 0 },
  });
  expect(await listJobs(store)).toEqual([expect.objectContaining({ status: 'completed' })]);
}, 120_000);

it('a second Ctrl-C still prints the resume command, and hud jobs shows the job interrupted', async () => {
  const dir = stageFixture('faults');
  const source = path.join(dir, 'slow.ts');
  const store = scratchDir('store');
  // slow.ts: one run stuck in tasks.start for a minute, one ok.
  const hud = spawnHud(['eval', source, 'oracle', '--all', '-v', '--store', store]);
  try {
    await hud.waitForStderr(/^✓ ok-/m, 30_000);
    hud.child.kill('SIGINT');
    await hud.waitForStderr(/^stopping: no new rollouts/m, 10_000);
    hud.child.kill('SIGINT');
    expect(await hud.exited).toEqual({ code: 130, signal: null });
  } finally {
    hud.kill();
  }
  const [jobId] = jobIds(store) as [string];
  expect(hud.stderr()).toContain(
    `resume with: hud eval ${source} oracle --resume ${jobId} --store ${store}`,
  );
  const recorded = readRunLines(store, jobId).length;
  expect(await listJobs(store)).toEqual([
    expect.objectContaining({
      id: jobId,
      status: 'interrupted',
      totals: expect.objectContaining({ runs: recorded }),
    }),
  ]);
  expect(await leftoverProcesses(dir, 5_000), 'processes left behind').toEqual([]);
}, 120_000);
