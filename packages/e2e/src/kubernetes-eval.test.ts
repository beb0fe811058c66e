import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cleanUp,
  DOCKER_TEST_TIMEOUT_MS,
  hasDocker,
  SAMPLE_ENV,
  stageSampleEnv,
  uniqueTag,
} from './support/docker.js';
import type { EvalSummary } from './support/eval-harness.js';
import { deadPid, evalOnKubernetes, postPod, startFakeCluster } from './support/kubernetes.js';
import { runHud } from './support/run-hud.js';
import { HUD_BIN } from './support/served-env.js';

// `hud build` of the sample environment, then `hud eval … --runtime kubernetes` against a fake Kubernetes API
// server whose pods are Docker containers, driven by the unmodified official client: one pod per rollout,
// every task graded 1.0 by the oracle, nothing left behind; then each injected fault. The fake cannot show
// scheduling, quotas, RBAC, image pulls or cluster networking (kubernetes-live.test.ts, opt-in, can).

const TAG = uniqueTag('sample-env-k8s');
const dirs: string[] = [];
const fakes: Array<{ close(): Promise<void> }> = [];

function summaryOf(stdout: string): EvalSummary {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as EvalSummary;
}

describe.skipIf(!hasDocker)('hud eval --runtime kubernetes (Docker-backed fake API server)', () => {
  let project: string;
  let scratch: string;
  let tasks: string;

  beforeAll(async () => {
    project = stageSampleEnv('k8s', dirs);
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

  async function cluster(faults = {}, namespace?: string) {
    const started = await startFakeCluster(scratch, faults, namespace);
    fakes.push(started.fake);
    return started;
  }

  it(
    'scores 1.0 per task, one labelled pod per rollout, and leaves no pod or container',
    async () => {
      const { fake, kubeconfig } = await cluster();
      const run = await evalOnKubernetes(tasks, path.join(scratch, 'store'), kubeconfig, [
        '--all',
        '--runtime',
        'kubernetes',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`on kubernetes (namespace hud-e2e on ${fake.url})`);
      const summary = summaryOf(run.stdout);
      expect(summary.tasks.map((task) => task.reward)).toEqual([1, 1, 1, 1, 1]);
      expect(summary).toMatchObject({ reward: 1, runs: 5, verdicts: 5, errors: 0 });
      expect(fake.created).toHaveLength(5);
      for (const pod of fake.created) {
        expect(pod.metadata.namespace).toBe('hud-e2e');
        expect(pod.metadata.labels).toMatchObject({
          'hud.managed': '1',
          'hud.job': summary.job_id,
        });
        expect(pod.spec.containers[0]?.image).toBe(TAG);
        expect(pod.spec.restartPolicy).toBe('Never');
      }
      expect(fake.pods).toEqual([]);
      expect(await fake.containers()).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'kubernetes:<namespace> creates the pods in that namespace',
    async () => {
      const { fake, kubeconfig } = await cluster();
      const run = await evalOnKubernetes(tasks, path.join(scratch, 'store-ns'), kubeconfig, [
        '--runtime',
        'kubernetes:evals',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(summaryOf(run.stdout)).toMatchObject({ reward: 1, runs: 1, errors: 0 });
      expect(fake.created.map((pod) => pod.metadata.namespace)).toEqual(['evals']);
      expect(fake.pods).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'reaps the pods of an earlier hud process that is gone when a job starts',
    async () => {
      const { fake, kubeconfig } = await cluster();
      const status = await postPod(fake, 'hud-e2e', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'hud-orphan-1',
          labels: {
            'hud.managed': '1',
            'hud.job': 'earlier-job',
            'hud.owner.pid': String(deadPid()),
            'hud.owner.host': hostname().replace(/[^A-Za-z0-9._-]/g, '-'),
          },
        },
        spec: { containers: [{ name: 'env', image: TAG, ports: [{ containerPort: 8765 }] }] },
      });
      expect(status).toBe(201);
      expect(fake.pods).toEqual(['hud-e2e/hud-orphan-1']);
      const run = await evalOnKubernetes(
        tasks,
        path.join(scratch, 'store-reap'),
        kubeconfig,
        ['--runtime', 'kubernetes'],
        { reap: true },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/reaped 1 orphaned pod of earlier jobs .*\(earlier-job\)/);
      expect(fake.pods).toEqual([]);
      expect(await fake.containers()).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );
});

describe('hud eval --runtime kubernetes without @hud/runtimes-kubernetes', () => {
  it('names the package to install', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hud-no-k8s-'));
    try {
      // A module hook makes the optional peer unresolvable, as it is for a user who installed @hud/cli alone.
      const hook = path.join(dir, 'hide.mjs');
      writeFileSync(
        hook,
        `import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    if (/^@hud\\/runtimes-kubernetes(\\/|$)/.test(specifier)) {
      const error = new Error("Cannot find package '@hud/runtimes-kubernetes' imported from " + context.parentURL);
      error.code = 'ERR_MODULE_NOT_FOUND';
      throw error;
    }
    return next(specifier, context);
  },
});
`,
      );
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            '--import',
            pathToFileURL(hook).href,
            HUD_BIN,
            'eval',
            path.join(SAMPLE_ENV, 'tasks.ts'),
            'oracle',
            '--runtime',
            'kubernetes',
            '--store',
            path.join(dir, 'store'),
          ],
          { encoding: 'utf8', timeout: 60_000 },
          (error, _stdout, stderr) =>
            resolve({
              code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
              stderr,
            }),
        );
      });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        'hud eval --runtime kubernetes needs @hud/runtimes-kubernetes, which is not installed: npm install @hud/runtimes-kubernetes',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
