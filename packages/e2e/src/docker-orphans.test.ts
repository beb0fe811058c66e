import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cleanUp,
  containersAfter,
  DOCKER_TEST_TIMEOUT_MS,
  hasDocker,
  managedContainers,
  removeContainers,
  stageSampleEnv,
  uniqueTag,
} from './support/docker.js';
import {
  type HudProcess,
  jobIds,
  readJobMeta,
  readRunLines,
  report,
  spawnHud,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// No leaks: a `hud eval` killed with SIGKILL leaves its containers behind; the next job reaps them (and
// says how many) and --resume completes the job. Ctrl-C tears down every container of the job promptly.

const TAG = uniqueTag('sample-env-orphans');
const TEARDOWN_DEADLINE_MS = 15_000; // the requirement is ≤ 5 s; the figure is reported
const dirs: string[] = [];
let project: string;

/** Polls until the CLI with `pid` has at least `count` containers; returns them. */
async function containersOf(pid: number, count: number, timeoutMs = 90_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await managedContainers({ 'hud.owner.pid': String(pid) });
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`pid ${pid} had ${found.length} containers`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the long job (see {@link evalArgs}) into store `<project>/../<label>`. */
function startJob(label: string): { store: string; hud: HudProcess; pid: number } {
  const store = path.join(path.dirname(project), label);
  const hud = spawnHud(evalArgs(store));
  return { store, hud, pid: hud.child.pid as number };
}

function evalArgs(store: string): string[] {
  // 5 tasks × 4 at 4 at a time: long enough to be interrupted with containers alive.
  return [
    'eval',
    path.join(project, 'tasks.ts'),
    'oracle',
    '--all',
    '--group',
    '4',
    '--max-concurrent',
    '4',
    '--runtime',
    'docker',
    '-v',
    '--store',
    store,
  ];
}

describe.skipIf(!hasDocker)('Docker jobs leave no containers (real engine)', () => {
  beforeAll(async () => {
    project = stageSampleEnv('orphans', dirs);
    const built = await runHud(
      ['build', project, '--tag', TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
      {
        timeoutMs: 180_000,
      },
    );
    if (built.code !== 0) throw new Error(`hud build failed:\n${built.stderr}`);
  }, 200_000);

  afterAll(() => cleanUp(dirs, [TAG]));

  it(
    'after SIGKILL mid-job, the next run reaps the orphans (saying how many) and --resume completes the job',
    async () => {
      const { store, hud, pid } = startJob('store-kill');
      let orphans: string[] = [];
      try {
        await containersOf(pid, 2);
        hud.child.kill('SIGKILL');
        expect(await hud.exited).toEqual({ code: null, signal: 'SIGKILL' });
        orphans = await managedContainers({ 'hud.owner.pid': String(pid) });
      } finally {
        hud.kill();
      }
      expect(orphans.length, 'containers of the killed CLI').toBeGreaterThan(0);
      const [jobId] = jobIds(store);
      expect(jobId).toBeDefined();
      expect(await managedContainers({ 'hud.job': jobId as string })).toEqual(
        expect.arrayContaining(orphans),
      );

      const resumed = await runHud(
        [
          'eval',
          path.join(project, 'tasks.ts'),
          'oracle',
          '--resume',
          jobId as string,
          '--runtime',
          'docker',
          '--store',
          store,
        ],
        { timeoutMs: 300_000 },
      );
      try {
        expect(resumed.code, resumed.stderr).toBe(0);
        const reaped =
          /^reaped (\d+) orphaned containers? of earlier jobs whose hud process is gone \(([^)]*)\)$/m.exec(
            resumed.stdout,
          );
        expect(reaped, resumed.stdout).not.toBeNull();
        // Every orphan of the killed CLI (another suite's orphan may be reaped in the same sweep).
        expect(Number(reaped?.[1])).toBeGreaterThanOrEqual(orphans.length);
        expect(reaped?.[2]).toContain(jobId);
        report(`SIGKILL left ${orphans.length} containers; the resumed job reaped ${reaped?.[1]}`);
        expect(await managedContainers({ 'hud.owner.pid': String(pid) })).toEqual([]);
        expect(resumed.stdout).toMatch(
          new RegExp(`job ${jobId} — reward 1\\.000 over 20 graded runs`),
        );
        expect(readJobMeta(store, jobId as string)).toMatchObject({
          status: 'completed',
          totals: { runs: 20, verdicts: 20, errors: 0, reward: 1 },
        });
        const verdicts = readRunLines(store, jobId as string).filter((run) => run.reward !== null);
        expect(new Set(verdicts.map((run) => `${run.slug}#${run.group_index}`)).size).toBe(20);
        expect(await containersAfter({ 'hud.job': jobId as string })).toEqual([]);
      } finally {
        await removeContainers(await managedContainers({ 'hud.job': jobId as string }));
      }
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'SIGINT tears down every container of the job, and the CLI exits 130 with a resume command',
    async () => {
      const { hud, pid } = startJob('store-int');
      try {
        const live = await containersOf(pid, 3);
        const sentAt = performance.now();
        hud.child.kill('SIGINT');
        const outcome = await hud.exitWithin(TEARDOWN_DEADLINE_MS);
        const exitMs = Math.round(performance.now() - sentAt);
        expect(outcome, `no exit within ${TEARDOWN_DEADLINE_MS} ms:\n${hud.stderr()}`).toEqual({
          code: 130,
          signal: null,
        });
        // The CLI waits for the removals before it exits: nothing of it may remain.
        const left = await managedContainers({ 'hud.owner.pid': String(pid) });
        report(
          `SIGINT with ${live.length}+ containers live → CLI exit with ${left.length} left: ${exitMs} ms (requirement ≤ 5000 ms)`,
        );
        expect(left).toEqual([]);
        expect(hud.stderr()).toMatch(/^resume with: hud eval .* --resume [0-9a-f]{32} --store /m);
      } finally {
        hud.kill();
        await removeContainers(await managedContainers({ 'hud.owner.pid': String(pid) }));
      }
    },
    DOCKER_TEST_TIMEOUT_MS,
  );
});
