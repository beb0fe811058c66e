/**
 * Rollout overhead per runtime against the Docker runtime, in the same run: one rollout at a time of the
 * sample environment (cached image), alternating between
 *
 * - **docker**: `DockerRuntime(image)` (no prewarm): create, start, `hello` → `tasks.start` + `tasks.grade`
 *   → lease released;
 * - **kubernetes (fake API)**: `KubernetesRuntime(image)` against `@hud/testing/kubernetes`, the fake API
 *   server whose pods are Docker containers, through the unmodified official client: pod create, watch until
 *   Ready (the fake's TCP probe), port-forward listener, `hello` → the same task → lease released (the pod's
 *   deletion runs in the background for both).
 *
 * The Kubernetes figure is the client's cost (HTTPS API calls, watch, one port-forward WebSocket per
 * connection) on top of a container start; a real cluster adds scheduling and the kubelet, which this
 * machine cannot run. Each ratio is the median over the runs of (kubernetes p50 / docker p50 of the run).
 *
 *   node bench/runtimes-overhead.bench.ts [--runs 3] [--rollouts 10]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HudClient } from '@hud/protocol';
import {
  buildSampleImage,
  dockerRuntime,
  IMAGE,
  percentile,
  REPO_ROOT,
} from './lib/docker-common.ts';
import {
  formatNumber,
  formatRatio,
  median,
  printContext,
  printTable,
  runCount,
} from './lib/stats.ts';

const RUNS = runCount();
const flag = process.argv.indexOf('--rollouts');
const ROLLOUTS = flag === -1 ? 10 : Number(process.argv[flag + 1]);
const task = { env: 'sample-env', id: 'count_items', slug: 'aisle-a', args: { aisle: 'a' } };

/** A lease of either runtime (what this bench uses of it). */
interface Lease {
  readonly url: string;
  close(): Promise<void>;
  removed(): Promise<void>;
}
type Acquire = (row: typeof task) => Promise<Lease>;

await printContext(
  `rollout overhead per runtime vs docker (${ROLLOUTS} rollouts × ${RUNS} runs, image cached)`,
);
const sample = await buildSampleImage();
const { DockerRuntime } = await dockerRuntime();
const k8s = await import(path.join(REPO_ROOT, 'packages/runtimes-kubernetes/dist/index.js'));
const { FakeKubeApiServer } = await import(
  path.join(REPO_ROOT, 'packages/testing/dist/kubernetes/index.js')
);
const fake = await FakeKubeApiServer.start({ namespace: 'bench' });
const kubeconfig = path.join(sample.dir, '..', 'kubeconfig.yaml');
writeFileSync(kubeconfig, fake.kubeconfig());
// The official client reads KUBECONFIG itself (loadKubeConfig → KubeConfig.loadFromDefault).
process.env.KUBECONFIG = kubeconfig;
const docker = DockerRuntime(IMAGE);
const kubernetes = k8s.KubernetesRuntime(IMAGE, { kubeConfig: k8s.loadKubeConfig() });
const runtimes: Array<[string, Acquire]> = [
  ['docker', docker as unknown as Acquire],
  ['kubernetes (fake API)', kubernetes as Acquire],
];

/** One rollout: create → verdict (lease released), ms; waits for the substrate's removal after. */
async function rollout(acquire: Acquire): Promise<number> {
  const began = performance.now();
  const lease = await acquire(task);
  const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
  await client.startTask(task.id, task.args);
  const { score } = await client.grade({ answer: '3' });
  if (score !== 1) throw new Error(`graded ${score}, expected 1`);
  await client.close();
  await lease.close();
  const verdict = performance.now() - began;
  await lease.removed();
  return verdict;
}

const runs: Array<Map<string, number[]>> = [];
try {
  for (const [, acquire] of runtimes) await rollout(acquire); // warm-up
  for (let runIndex = 0; runIndex < RUNS; runIndex++) {
    const samples = new Map<string, number[]>(runtimes.map(([name]) => [name, []]));
    runs.push(samples);
    for (let index = 0; index < ROLLOUTS; index++) {
      for (const [name, acquire] of runtimes) samples.get(name)?.push(await rollout(acquire));
    }
  }
} finally {
  await Promise.allSettled([docker.close(), kubernetes.close()]);
  await fake.close();
  sample.remove();
}

const all = (name: string) => runs.flatMap((samples) => samples.get(name) ?? []);
const p50 = (samples: Map<string, number[]>, name: string) =>
  percentile(samples.get(name) ?? [], 50);
printTable([
  ['rollout: create → verdict (all runs)', 'p50', 'p90', `ratio to docker (median of ${RUNS})`],
  ...runtimes.map(([name]) => [
    name,
    `${formatNumber(percentile(all(name), 50))} ms`,
    `${formatNumber(percentile(all(name), 90))} ms`,
    formatRatio(median(runs.map((samples) => p50(samples, name) / p50(samples, 'docker')))),
  ]),
]);
