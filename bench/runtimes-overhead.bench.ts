/**
 * Rollout overhead per runtime against the Docker runtime, in the same run: one rollout at a time of the
 * sample environment (cached image, which serves 0.0.0.0:8765 and has `node`), interleaved per rollout
 * between
 *
 * - **docker**: `DockerRuntime(image)` (no prewarm): create, start, `hello` → `tasks.start` + `tasks.grade`
 *   → lease released;
 * - **kubernetes (fake API)**: `KubernetesRuntime(image)` against `@hud/testing/kubernetes`, the fake API
 *   server whose pods are Docker containers, through the unmodified official client: pod create, watch until
 *   Ready (the fake's TCP probe), port-forward listener, `hello` → the same task → lease released;
 * - **e2b (fake API)**: `E2BRuntime({template: image})` through the real `e2b` SDK against `E2BFake`:
 *   `POST /v2/sandboxes` (a container running the image's CMD), the runtime's WebSocket bridge (node + `ws`)
 *   uploaded through envd's `/files` and started by Connect `process.Process/Start`, a local listener whose
 *   every connection is a WebSocket through the fake's port host to the bridge → the same task → kill;
 * - **daytona (fake API)**: `DaytonaRuntime({image})` through the real `@daytonaio/sdk` against
 *   `DaytonaFake`: `POST /sandbox` (a container idling), an SSH access token, the environment started as a
 *   session command (`cd /app && node server.mjs`, `docker exec`), an SSH local forward through the fake's
 *   ssh2 gateway → the same task → delete;
 * - **modal (fake API)**: `ModalRuntime({client, image})` through the real `modal` SDK over `ModalFake`'s
 *   injected control-plane client (in process, no gRPC transport): app and image lookups, sandbox create
 *   (a container running the image's CMD), the unencrypted port's raw TCP tunnel (a local listener spliced
 *   to the container) → the same task → terminate.
 *
 * Each rollout's time is create → verdict (lease released); the substrate's removal is then awaited outside
 * the clock, for every runtime alike (Docker and Kubernetes remove in the background; the vendor fakes'
 * `docker rm` is made asynchronous by bench/lib/vendor-fakes.ts). So each figure is the client's cost on top
 * of a container start on this machine. What the real services add is not here: a cluster's scheduling and
 * kubelet; the vendors' network round trips, TLS, their own sandbox boot (E2B/Modal microVMs, Daytona's
 * snapshot from the image), their port host and SSH gateway, which the fakes reduce to loopback sockets
 * into the container's bridge address. Each ratio is the median over the runs of (runtime p50 / docker p50
 * of the run).
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
import { type BenchAcquire, startVendorFakes } from './lib/vendor-fakes.ts';

const RUNS = runCount();
const flag = process.argv.indexOf('--rollouts');
const ROLLOUTS = flag === -1 ? 10 : Number(process.argv[flag + 1]);
const task = { env: 'sample-env', id: 'count_items', slug: 'aisle-a', args: { aisle: 'a' } };

/** A provider of any runtime here (what this bench uses of it: url, close, removed). */
type Acquire = BenchAcquire;

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
const vendors = await startVendorFakes(IMAGE);
const runtimes: Array<[string, Acquire]> = [
  ['docker', docker as unknown as Acquire],
  ['kubernetes (fake API)', kubernetes as Acquire],
  ...vendors.runtimes,
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
  await Promise.allSettled([docker.close(), kubernetes.close(), vendors.close()]);
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
