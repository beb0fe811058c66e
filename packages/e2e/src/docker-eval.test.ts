import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cleanUp,
  containersAfter,
  DOCKER_TEST_TIMEOUT_MS,
  docker,
  escaped,
  hasDocker,
  managedContainers,
  removeContainers,
  stageSampleEnv,
  uniqueTag,
  writeRows,
} from './support/docker.js';
import { type EvalSummary, readRunLines, report } from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// `hud build` of the sample environment, then `hud eval … --runtime docker`: one container per rollout,
// every task graded 1.0 by the oracle, and nothing left behind.

const TAG = uniqueTag('sample-env');
const BARE_TAG = uniqueTag('sample-env-bare');
const dirs: string[] = [];

/** `hud eval --no-reap <source> oracle …args --json --store <store>` (the tests check for leftovers themselves). */
function evalOracle(source: string, store: string, args: string[], timeoutMs: number) {
  return runHud(['eval', '--no-reap', source, 'oracle', ...args, '--json', '--store', store], {
    timeoutMs,
  });
}

function summaryOf(stdout: string): EvalSummary {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as EvalSummary;
}

describe.skipIf(!hasDocker)('hud build + hud eval --runtime docker (real engine)', () => {
  let project: string;

  beforeAll(async () => {
    project = stageSampleEnv('eval', dirs);
  });

  afterAll(async () => {
    await removeContainers(await managedContainers({ 'hud.job': 'e2e-exec' }));
    await cleanUp(dirs, [TAG, BARE_TAG]);
  });

  it(
    'hud build bundles the sample env, builds it offline and records the tag',
    async () => {
      const built = await runHud(
        ['build', project, '--tag', TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
        {
          timeoutMs: 180_000,
        },
      );
      expect(built.code, built.stderr).toBe(0);
      expect(built.stdout).toMatch(
        new RegExp(`^built ${escaped(TAG)} \\([0-9a-f]{12}, \\d+ MB\\) from Dockerfile`, 'm'),
      );
      expect(built.stderr).toMatch(
        /bundled env\.ts \(env 'sample-env'\) → \.hud\/build\/server\.mjs/,
      );
      expect(built.stderr).toMatch(/Step \d+\/\d+ : COPY \.hud\/build\/ \/app\//);
      for (const file of ['server.mjs', 'hud.mjs', 'hud']) {
        expect(existsSync(path.join(project, '.hud/build', file)), file).toBe(true);
      }
      const config = JSON.parse(readFileSync(path.join(project, '.hud/config.json'), 'utf8'));
      expect(config).toEqual({ images: { 'sample-env': TAG } });
      const labels = await docker(['image', 'inspect', TAG, '--format', '{{json .Config.Labels}}']);
      expect(JSON.parse(labels.stdout)).toMatchObject({
        'hud.env': 'sample-env',
        'hud.managed': '1',
      });
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'hud eval <its tasks> oracle --all --runtime docker scores 1.0 per task, one container each',
    async () => {
      const store = path.join(path.dirname(project), 'store');
      const run = await evalOracle(
        path.join(project, 'tasks.ts'),
        store,
        ['--all', '--runtime', 'docker'],
        180_000,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`on docker (${TAG})`);
      const summary = summaryOf(run.stdout);
      expect(summary.tasks.map((task) => task.reward)).toEqual([1, 1, 1, 1, 1]);
      expect(summary).toMatchObject({ reward: 1, runs: 5, verdicts: 5, errors: 0 });
      // Every rollout had its own container: five instance ids in the runs' records.
      const runs = readRunLines(store, summary.job_id);
      expect(runs).toHaveLength(5);
      expect(await containersAfter({ 'hud.job': summary.job_id })).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    '20 concurrent rollouts on 2 cores are all graded, and the job leaves 0 containers',
    async () => {
      const store = path.join(path.dirname(project), 'store-20');
      const began = performance.now();
      const run = await evalOracle(
        path.join(project, 'tasks.ts'),
        store,
        ['--all', '--group', '4', '--max-concurrent', '20', '--runtime', 'docker'],
        300_000,
      );
      expect(run.code, run.stderr).toBe(0);
      const summary = summaryOf(run.stdout);
      report(
        `20 concurrent Docker rollouts: ${Math.round(performance.now() - began)} ms for the job`,
      );
      expect(summary).toMatchObject({ reward: 1, runs: 20, verdicts: 20, errors: 0 });
      expect(await containersAfter({ 'hud.job': summary.job_id })).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'rows naming runtime_config.image run in Docker under the default runtime',
    async () => {
      const rows = writeRows(path.dirname(project), [
        {
          env: 'sample-env',
          id: 'count_items',
          slug: 'aisle-a',
          args: { aisle: 'a' },
          runtime_config: { image: TAG },
        },
        {
          env: 'sample-env',
          id: 'stock_of',
          slug: 'screws',
          args: { item: 'screws' },
          runtime_config: { image: TAG, resources: { cpu: 1, memory_mb: 512 } },
        },
      ]);
      const run = await evalOracle(
        rows,
        path.join(path.dirname(project), 'store-rows'),
        ['--all'],
        120_000,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`on docker (${TAG})`);
      expect(summaryOf(run.stdout)).toMatchObject({ reward: 1, runs: 2, verdicts: 2, errors: 0 });
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'an image that does not exist fails every run naming it, and leaks nothing',
    async () => {
      const run = await evalOracle(
        path.join(project, 'tasks.ts'),
        path.join(path.dirname(project), 'store-missing'),
        ['--runtime', 'docker:hud-e2e/no-such-image:1'],
        60_000,
      );
      expect(run.code).toBe(1);
      const summary = summaryOf(run.stdout);
      expect(summary).toMatchObject({ runs: 1, verdicts: 0, errors: 1 });
      expect(summary.failures[0]?.error).toMatch(
        /^\[provisioning\] image 'hud-e2e\/no-such-image:1' not found locally and pulling it failed .*hud build/,
      );
      expect(await containersAfter({ 'hud.job': summary.job_id })).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'a project without a Dockerfile gets a generated one that only copies the bundle',
    async () => {
      const bare = stageSampleEnv('bare', dirs);
      rmSync(path.join(bare, 'Dockerfile'));
      rmSync(path.join(bare, '.dockerignore'));
      const built = await runHud(
        ['build', bare, '--tag', BARE_TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
        { timeoutMs: 180_000 },
      );
      expect(built.code, built.stderr).toBe(0);
      expect(built.stderr).toContain(
        'no Dockerfile.hud or Dockerfile: using the generated .hud/build/Dockerfile',
      );
      expect(built.stdout).toContain('from .hud/build/Dockerfile');
      const debug = await runHud(['debug', BARE_TAG, '--max-phase', '4'], { timeoutMs: 120_000 });
      expect(debug.code, debug.stdout).toBe(0);
      expect(debug.stdout).toMatch(
        /^✓ 4 tasks\.list +3 template\(s\): count_items, stock_of, write_report$/m,
      );
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'docker exec <container> hud task list|start|grade works inside the image',
    async () => {
      const started = await docker([
        'run',
        '-d',
        '--label',
        'hud.managed=1',
        '--label',
        'hud.job=e2e-exec',
        '-p',
        '127.0.0.1::8765',
        TAG,
      ]);
      expect(started.code, started.stderr).toBe(0);
      const id = started.stdout.trim();
      try {
        const exec = (args: string[]) => docker(['exec', id, 'hud', 'task', ...args], 60_000);
        // The server inside takes a moment: hud task waits for it (its readiness retry).
        const list = await exec(['list', '--ready-timeout', '30']);
        expect(list.code, list.stderr).toBe(0);
        expect(list.stdout).toMatch(/^count_items\t/m);
        expect(list.stdout).toMatch(/^stock_of\t/m);
        const start = await exec(['start', 'stock_of', '--args', '{"item":"bolts"}']);
        expect(start.code, start.stderr).toBe(0);
        expect(start.stdout).toContain('How many bolts are in stock?');
        const grade = await exec(['grade', 'stock_of', '--answer', '120']);
        expect(grade.code, grade.stderr).toBe(0);
        expect(grade.stdout.trim()).toBe('1.0');
      } finally {
        await docker(['rm', '--force', id]);
      }
    },
    DOCKER_TEST_TIMEOUT_MS,
  );
});
