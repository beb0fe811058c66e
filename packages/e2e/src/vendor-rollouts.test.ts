import path from 'node:path';
import { OracleAgent } from '@hud/agents';
import { importModule } from '@hud/environment';
import { loadTaskset } from '@hud/eval';
import { ModalRuntime } from '@hud/runtimes-modal';
import { DaytonaFake, DockerBackend, E2BFake, FAKE_SANDBOX_LABEL, ModalFake } from '@hud/testing';
import { ModalClient } from 'modal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cleanUp,
  DOCKER_TEST_TIMEOUT_MS,
  docker,
  hasDocker,
  stageSampleEnv,
  uniqueTag,
} from './support/docker.js';
import type { EvalSummary } from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// `hud eval apps/sample-env/tasks.ts oracle --all --runtime e2b|daytona` through the real vendor SDKs
// against local fake control planes whose sandboxes are real containers of the sample env image, so each
// rollout runs through the adapter's own tunnel code: E2B — the WebSocket bridge the adapter writes into
// the sandbox and starts through the fake's envd (Connect streaming), behind the fake's port host;
// Daytona — the adapter's session command and an SSH local forward through the fake's ssh2 gateway;
// Modal — the real SDK over the fake's injected control-plane client (a child `hud eval` cannot be handed
// one), so the provider is driven in-process by `Taskset.run`, its rollouts over the fake's raw TCP tunnel.
// Every task scores 1.0 and no sandbox (container) is left.

const TAG = uniqueTag('sample-env-vendors');
const dirs: string[] = [];
let project: string;

async function fakeContainers(): Promise<string[]> {
  const listed = await docker(['ps', '-aq', '--filter', `label=${FAKE_SANDBOX_LABEL}`]);
  return listed.stdout.split('\n').filter(Boolean);
}

/** `hud eval <sample tasks> oracle --all --runtime <runtime> --json` with `env` added; its summary. */
async function evalOracle(runtime: string, env: Record<string, string>, secret: string) {
  const store = path.join(path.dirname(project), `store-${runtime}`);
  const run = await runHud(
    [
      'eval',
      path.join(project, 'tasks.ts'),
      'oracle',
      '--all',
      '--runtime',
      runtime,
      '--json',
      '--store',
      store,
    ],
    { timeoutMs: 240_000, env: { ...process.env, ...env } },
  );
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr + run.stdout).not.toContain(secret);
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as EvalSummary;
  expect(summary.tasks.map((task) => task.reward)).toEqual([1, 1, 1, 1, 1]);
  expect(summary).toMatchObject({ reward: 1, runs: 5, errors: 0 });
  return summary;
}

describe.skipIf(!hasDocker)(
  'hud eval on sandbox vendors (fake control planes, real containers)',
  () => {
    const backend = new DockerBackend();

    beforeAll(async () => {
      project = stageSampleEnv('vendors', dirs);
      const built = await runHud(
        ['build', project, '--tag', TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
        {
          timeoutMs: 180_000,
        },
      );
      expect(built.code, built.stderr).toBe(0);
    }, DOCKER_TEST_TIMEOUT_MS);

    afterAll(async () => {
      if (backend.containers.length > 0) await docker(['rm', '--force', ...backend.containers]);
      await cleanUp(dirs, [TAG]);
    });

    it(
      '--runtime e2b: 1.0 per task through the WebSocket bridge, one labelled sandbox per rollout, none left',
      async () => {
        const key = 'e2b_e2e_key_0123456789abcdef';
        const fake = await E2BFake.start({ apiKey: key, backend });
        try {
          const summary = await evalOracle(
            'e2b',
            {
              E2B_API_KEY: key,
              E2B_API_URL: fake.url,
              E2B_SANDBOX_URL: fake.url,
              E2B_DOMAIN: 'example.com',
            },
            key,
          );
          const sandboxes = [...fake.sandboxes.values()];
          expect(sandboxes).toHaveLength(5);
          for (const sandbox of sandboxes) {
            expect(sandbox.template).toBe(TAG);
            expect(sandbox.metadata).toMatchObject({
              'hud.managed': '1',
              'hud.job': summary.job_id,
            });
            expect(sandbox.killed).toBe(true);
          }
          expect(await fakeContainers()).toEqual([]);
        } finally {
          await fake.close();
        }
      },
      DOCKER_TEST_TIMEOUT_MS,
    );

    it(
      '--runtime daytona: 1.0 per task through an SSH local forward, one labelled sandbox per rollout, none left',
      async () => {
        const key = 'dtn_e2e_key_0123456789abcdef';
        const fake = await DaytonaFake.start({ apiKey: key, backend });
        try {
          const summary = await evalOracle(
            'daytona',
            { DAYTONA_API_KEY: key, DAYTONA_API_URL: fake.url },
            key,
          );
          const sandboxes = [...fake.sandboxes.values()];
          expect(sandboxes).toHaveLength(5);
          for (const sandbox of sandboxes) {
            expect(sandbox.image).toBe(TAG);
            expect(sandbox.request.labels).toMatchObject({
              'hud.managed': '1',
              'hud.job': summary.job_id,
            });
            expect(sandbox.commands.map((command) => command.command)).toEqual([
              'cd /app && node server.mjs',
            ]);
            expect(sandbox.deleted).toBe(true);
          }
          expect(fake.forwards.length).toBeGreaterThanOrEqual(5);
          expect(await fakeContainers()).toEqual([]);
        } finally {
          await fake.close();
        }
      },
      DOCKER_TEST_TIMEOUT_MS,
    );

    it(
      'ModalRuntime: 1.0 per task over the unencrypted TCP tunnel, one tagged sandbox per rollout, none left',
      async () => {
        const fake = new ModalFake({ backend });
        const client = new ModalClient({
          tokenId: 'ak-e2e',
          tokenSecret: 'as-e2e',
          cpClient: fake.cpClient as ModalClient['cpClient'],
        });
        const provider = ModalRuntime({ client, image: TAG, job: 'e2e-modal' });
        try {
          const taskset = await loadTaskset(path.join(project, 'tasks.ts'), { importModule });
          const job = await taskset.run({ agent: new OracleAgent(), provider, maxConcurrent: 5 });
          expect(job.runs.map((run) => run.reward)).toEqual([1, 1, 1, 1, 1]);
          expect(job.errors).toEqual([]);
          const sandboxes = [...fake.sandboxes.values()];
          expect(sandboxes).toHaveLength(5);
          for (const sandbox of sandboxes) {
            expect(sandbox.image).toBe(TAG);
            expect(sandbox.tags).toMatchObject({ 'hud.managed': '1', 'hud.job': 'e2e-modal' });
            expect(sandbox.terminated).toBe(true);
          }
          expect(await fakeContainers()).toEqual([]);
        } finally {
          await provider.close();
          await fake.close();
          client.close();
        }
      },
      DOCKER_TEST_TIMEOUT_MS,
    );
  },
);
