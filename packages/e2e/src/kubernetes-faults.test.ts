import { spawn } from 'node:child_process';
import path from 'node:path';
import type { FakeKubeFaults } from '@hud/testing/kubernetes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cleanUp,
  DOCKER_TEST_TIMEOUT_MS,
  hasDocker,
  stageSampleEnv,
  uniqueTag,
} from './support/docker.js';
import type { EvalSummary } from './support/eval-harness.js';
import { evalOnKubernetes, startFakeCluster } from './support/kubernetes.js';
import { runHud } from './support/run-hud.js';
import { HUD_BIN } from './support/served-env.js';

// Each fault the fake Kubernetes API server can inject, through a whole `hud eval --runtime kubernetes`:
// the recoverable ones (409 on create, a watch closed mid-stream, 410 Gone) still score 1.0; the others
// fail the run with an error naming the pod and what happened. Never a pod or container left behind.

const TAG = uniqueTag('sample-env-k8s-faults');
const dirs: string[] = [];
const fakes: Array<{ close(): Promise<void> }> = [];

function summaryOf(stdout: string): EvalSummary {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as EvalSummary;
}

describe.skipIf(!hasDocker)('hud eval --runtime kubernetes with injected faults', () => {
  let scratch: string;
  let tasks: string;

  beforeAll(async () => {
    const project = stageSampleEnv('k8s-faults', dirs);
    scratch = path.dirname(project);
    tasks = path.join(project, 'tasks.ts');
    const built = await runHud(
      ['build', project, '--tag', TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
      { timeoutMs: 180_000 },
    );
    if (built.code !== 0) throw new Error(`hud build failed:\n${built.stderr}`);
  }, DOCKER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const fake of fakes.splice(0)) await fake.close();
    await cleanUp(dirs, [TAG]);
  });

  /** One rollout of the first task on a fresh fake with `faults`; the summary and the fake. */
  async function evalWith(label: string, faults: FakeKubeFaults, args: string[] = []) {
    const { fake, kubeconfig } = await startFakeCluster(scratch, faults);
    fakes.push(fake);
    const run = await evalOnKubernetes(tasks, path.join(scratch, `store-${label}`), kubeconfig, [
      '--runtime',
      'kubernetes',
      ...args,
    ]);
    const summary = summaryOf(run.stdout);
    // Whatever happened: nothing left on the cluster or the engine.
    expect(fake.pods).toEqual([]);
    expect(await fake.containers()).toEqual([]);
    return { run, summary, fake };
  }

  it(
    '409 AlreadyExists on create: created again under a fresh name, scored 1.0',
    async () => {
      const { run, summary, fake } = await evalWith('conflict', { conflictOnCreate: 1 });
      expect(run.code, run.stderr).toBe(0);
      expect(summary).toMatchObject({ reward: 1, runs: 1, errors: 0 });
      expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'a watch closed mid-stream is reopened, scored 1.0',
    async () => {
      const { run, summary, fake } = await evalWith('watch-closed', {
        closeWatch: { count: 2, events: 1 },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(summary).toMatchObject({ reward: 1, runs: 1, errors: 0 });
      expect(fake.faults.closeWatch?.count).toBeLessThan(2);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    '410 Gone on a watch: the pod is read again, scored 1.0',
    async () => {
      const { run, summary, fake } = await evalWith('gone', { goneWatches: 1 });
      expect(run.code, run.stderr).toBe(0);
      expect(summary).toMatchObject({ reward: 1, runs: 1, errors: 0 });
      expect(fake.faults.goneWatches).toBe(0);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'a pod stuck Pending past --ready-timeout fails the run naming the pod and why',
    async () => {
      const { run, summary } = await evalWith('pending', { stuckPending: true }, [
        '--ready-timeout',
        '3',
      ]);
      expect(run.code).toBe(1);
      expect(summary).toMatchObject({ runs: 1, verdicts: 0, errors: 1 });
      expect(summary.failures[0]?.error).toMatch(
        /^\[provisioning\] pod hud-e2e\/hud-[a-z0-9-]+ of '.+' was not ready within 3 s: Pending \(PodScheduled=False Unschedulable: 0\/1 nodes are available/,
      );
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'a container that exits (pod Failed) fails the run with its exit code and last log lines',
    async () => {
      const { run, summary } = await evalWith('exits', {
        exitOnStart: { code: 7, output: 'fatal: config missing' },
      });
      expect(run.code).toBe(1);
      expect(summary).toMatchObject({ runs: 1, verdicts: 0, errors: 1 });
      expect(summary.failures[0]?.error).toMatch(
        /^\[provisioning\] pod hud-e2e\/hud-[a-z0-9-]+ of '.+' ended before its control port answered \(exit code 7\): Failed/,
      );
      expect(summary.failures[0]?.error).toContain('fatal: config missing');
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    "a port-forward WebSocket dropped mid-rollout fails the run naming the pod's dropped forward",
    async () => {
      // The first port-forward (the readiness hello) passes; the rollout's connection is cut after hello.
      const { run, summary } = await evalWith('forward-dropped', {
        dropPortForward: { skip: 1, count: 1 },
      });
      expect(run.code).toBe(1);
      expect(summary).toMatchObject({ runs: 1, verdicts: 0, errors: 1 });
      expect(summary.failures[0]?.error).toMatch(
        /^\[starting task\] env closed connection during 'tasks\.start': port-forward to pod hud-e2e\/hud-[a-z0-9-]+ port 8765 dropped \(WebSocket closed with code 1006\)$/,
      );
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'Ctrl-C while pods are provisioning deletes them before hud exits',
    async () => {
      const { fake, kubeconfig } = await startFakeCluster(scratch, { stuckPending: true });
      fakes.push(fake);
      const child = spawn(
        process.execPath,
        [
          HUD_BIN,
          'eval',
          '--no-reap',
          tasks,
          'oracle',
          '--all',
          '--runtime',
          'kubernetes',
          '--store',
          path.join(scratch, 'store-sigint'),
        ],
        { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      while (fake.pods.length < 5) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (child.exitCode !== null) throw new Error(`hud exited early:\n${stderr}`);
      }
      child.kill('SIGINT');
      const code = await exited;
      expect(code, stderr).not.toBe(0);
      expect(fake.created).toHaveLength(5);
      expect(fake.pods).toEqual([]);
      expect(await fake.containers()).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );
});
