import path from 'node:path';
import { importModule } from '@hud/environment';
import { hasVerdict, loadTaskset } from '@hud/eval';
import { afterAll, expect, it } from 'vitest';
import {
  jobIdOf,
  leftoverProcesses,
  readJobMeta,
  readRunLines,
  removeScratch,
  report,
  scratchDir,
  spawnHud,
  stageFixture,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// Ctrl-C mid-job, then `--resume`: the interrupted job tears down promptly, leaves no process behind, says
// how to resume, and the resumed job ends with exactly one verdict per (slug, group index) slot.

afterAll(removeScratch);

const TEARDOWN_DEADLINE_MS = 15_000; // the requirement is ≤ 5 s; the figure is reported

it('SIGINT stops a job within the deadline; the printed --resume command completes every slot exactly once', async () => {
  const dir = stageFixture('sleepy');
  const source = path.join(dir, 'tasks.ts');
  const store = scratchDir('store');
  const slugs = (await loadTaskset(source, { importModule })).slugs;
  expect(slugs).toHaveLength(4);
  const GROUP = 2; // 4 tasks × 2 = 8 slots; the resume must keep the job's group without --group

  const hud = spawnHud([
    'eval',
    source,
    'oracle',
    '--all',
    '--group',
    String(GROUP),
    '--max-concurrent',
    '2',
    '-v',
    '--store',
    store,
  ]);
  try {
    // The first finished run (✓ or ✗ at the start of a line), then Ctrl-C.
    await hud.waitForStderr(/^[✓✗] nap-/m, 30_000);
    const sentAt = performance.now();
    hud.child.kill('SIGINT');
    const outcome = await hud.exitWithin(TEARDOWN_DEADLINE_MS);
    const teardownMs = Math.round(performance.now() - sentAt);
    report(`SIGINT → CLI exit: ${teardownMs} ms (requirement ≤ 5000 ms)`);
    expect(outcome, `no exit within ${TEARDOWN_DEADLINE_MS} ms:\n${hud.stderr()}`).not.toBe(
      'deadline',
    );
    expect(outcome).toEqual({ code: 130, signal: null });
  } finally {
    hud.kill();
  }
  expect(await leftoverProcesses(dir), 'processes left behind').toEqual([]);

  const stderr = hud.stderr();
  expect(stderr).toContain('stopping: no new rollouts');
  const jobId = jobIdOf(hud.stdout());
  expect(hud.stdout()).toMatch(new RegExp(`job ${jobId} — .* — cancelled`));
  const command = /^resume with: hud (eval .*)$/m.exec(stderr)?.[1] ?? '';
  expect(command, stderr).toBe(`eval ${source} oracle --resume ${jobId} --store ${store}`);
  const interrupted = readRunLines(store, jobId);
  const firstVerdicts = interrupted.filter(hasVerdict).length;
  expect(firstVerdicts).toBeGreaterThanOrEqual(1);
  expect(firstVerdicts).toBeLessThan(slugs.length * GROUP);
  expect(readJobMeta(store, jobId).status).toBe('cancelled');
  report(
    `interrupted job: ${interrupted.length} runs recorded, ${firstVerdicts} with a verdict, ${interrupted.length - firstVerdicts} cancelled`,
  );

  // Run exactly the printed command (its words have no spaces to quote here).
  const resumed = await runHud(command.split(' '), { timeoutMs: 60_000 });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stdout).toMatch(new RegExp(`job ${jobId} — reward 1\\.000 over 8 graded runs`));
  expect(await leftoverProcesses(dir), 'processes left behind').toEqual([]);

  const runs = readRunLines(store, jobId);
  const verdicts = runs.filter((run) => run.grade !== null && run.grade.isError !== true);
  const slots = verdicts.map((run) => `${run.slug}#${run.group_index}`).sort();
  const expected = slugs.flatMap((slug) => [0, 1].map((index) => `${slug}#${index}`)).sort();
  expect(slots).toEqual(expected); // every slot exactly once, none twice
  expect(verdicts).toHaveLength(8);
  // The resume ran only what had no verdict: earlier verdicts are not repeated.
  expect(runs.length - interrupted.length).toBe(8 - firstVerdicts);
  // A task keeps one group id across the interruption.
  for (const slug of slugs)
    expect(new Set(runs.filter((run) => run.slug === slug).map((run) => run.group_id)).size).toBe(
      1,
    );
  expect(readJobMeta(store, jobId)).toMatchObject({
    status: 'completed',
    group: GROUP,
    totals: { runs: 8, verdicts: 8, errors: 0, reward: 1 },
  });
});

it('a second SIGINT quits at once, and the environment processes still go (their pipe to the CLI closes)', async () => {
  const dir = stageFixture('faults');
  const store = scratchDir('store');
  // slow.ts: one run stuck in tasks.start for a minute (its teardown waits 2 s for tasks.cancel), one ok.
  const hud = spawnHud([
    'eval',
    path.join(dir, 'slow.ts'),
    'oracle',
    '--all',
    '-v',
    '--store',
    store,
  ]);
  try {
    await hud.waitForStderr(/^✓ ok-/m, 30_000);
    hud.child.kill('SIGINT');
    await hud.waitForStderr(/^stopping: no new rollouts/m, 10_000);
    hud.child.kill('SIGINT');
    const outcome = await hud.exitWithin(TEARDOWN_DEADLINE_MS);
    expect(outcome).toEqual({ code: 130, signal: null });
  } finally {
    hud.kill();
  }
  // It quit without finishing the job: no summary, but still the resume hint.
  expect(hud.stderr()).toMatch(/^resume with: hud eval .* --resume [0-9a-f]{32} --store /m);
  expect(hud.stdout()).not.toMatch(/\bjob [0-9a-f]{32}\b/);
  // The children were not torn down by the CLI; each exits when its stdin (the CLI's pipe) closes.
  expect(await leftoverProcesses(dir, 5_000), 'processes left behind').toEqual([]);
});
