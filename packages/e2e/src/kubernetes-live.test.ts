import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerScratch, writeRows } from './support/docker.js';
import type { EvalSummary } from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// Opt-in lane against a real cluster: what the fake API server cannot show (scheduling, image pulls, RBAC,
// cluster networking, real port-forward through the kubelet). Needs HUD_K8S_E2E=1, KUBECONFIG, and
// HUD_K8S_E2E_IMAGE: the sample environment's image (`hud build apps/sample-env --tag <registry>/<name>`,
// pushed, or loaded into a kind/minikube node). HUD_K8S_E2E_NAMESPACE picks the namespace (default: the
// context's).

const enabled = process.env.HUD_K8S_E2E === '1';
const kubeconfig = process.env.KUBECONFIG;
const image = process.env.HUD_K8S_E2E_IMAGE;
const reason = !enabled
  ? 'HUD_K8S_E2E is not 1'
  : !kubeconfig
    ? 'KUBECONFIG is not set'
    : !image
      ? 'HUD_K8S_E2E_IMAGE (the sample env image the cluster can pull) is not set'
      : undefined;
if (reason) {
  process.stderr.write(
    `skipping the live Kubernetes lane: ${reason} (see README "Run on Kubernetes")\n`,
  );
}

const dirs: string[] = [];

describe.skipIf(reason !== undefined)(
  'hud eval --runtime kubernetes on a real cluster (opt-in)',
  () => {
    afterAll(async () => {
      const { rmSync } = await import('node:fs');
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('scores 1.0 on every sample-env row and leaves no pod of the job', async () => {
      const dir = dockerScratch('k8s-live');
      dirs.push(dir);
      const rows = writeRows(
        dir,
        [
          { env: 'sample-env', id: 'count_items', slug: 'aisle-a', args: { aisle: 'a' } },
          { env: 'sample-env', id: 'stock_of', slug: 'screws', args: { item: 'screws' } },
        ].map((row) => ({
          ...row,
          runtime_config: { image, resources: { cpu: 0.25, memory_mb: 256 } },
        })),
      );
      const namespace = process.env.HUD_K8S_E2E_NAMESPACE;
      const run = await runHud(
        [
          'eval',
          rows,
          'oracle',
          '--all',
          '--runtime',
          namespace ? `kubernetes:${namespace}` : 'kubernetes',
          '--json',
          '--store',
          path.join(dir, 'store'),
        ],
        { timeoutMs: 600_000 },
      );
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as EvalSummary;
      expect(summary).toMatchObject({ reward: 1, runs: 2, verdicts: 2, errors: 0 });
      const { listManagedPods, loadKubeConfig } = await import('@hud/runtimes-kubernetes');
      const config = loadKubeConfig();
      const left = async () =>
        listManagedPods({ config, ...(namespace ? { namespace } : {}), job: summary.job_id });
      // Deletion is asynchronous on a real cluster: a pod may be listed a little while it terminates.
      const deadline = Date.now() + 60_000;
      while ((await left()).length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      expect(await left()).toEqual([]);
    }, 660_000);
  },
);
