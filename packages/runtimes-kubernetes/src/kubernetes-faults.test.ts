import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import {
  ECHO_IMAGE,
  fakeCluster,
  hasDocker,
  kubeConfigOf,
  task,
} from './__fixtures__/fake-cluster.js';
import { KubernetesRuntime, KubernetesRuntimeError } from './index.js';

/** The rejection of `promise` (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<KubernetesRuntimeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (thrown: unknown) => thrown,
  );
  expect(KubernetesRuntimeError.isInstance(error), String(error)).toBe(true);
  return error as KubernetesRuntimeError;
}

const fast = { retries: 3, minTimeoutMs: 10, maxTimeoutMs: 50 };

describe.skipIf(!hasDocker)('KubernetesRuntime faults (Docker-backed fake API server)', () => {
  const cluster = fakeCluster();

  it('retries a create answered 429 and 503 with backoff, then serves', async () => {
    const fake = await cluster.start({ createStatuses: [429, 503] });
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
      retry: fast,
    });
    await using lease = await provider(task());
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    await client.close();
  });

  it('creates again under a fresh name after 409 AlreadyExists, and names the conflict when it persists', async () => {
    const fake = await cluster.start({ conflictOnCreate: 1 });
    const provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
      retry: fast,
    });
    const lease = await provider(task());
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    await lease.removed();

    fake.faults.conflictOnCreate = 10;
    const error = await rejection(provider(task()));
    expect(error.code).toBe('create_failed');
    expect(error.message).toMatch(/namespace hud-test: 4 attempts answered 409 AlreadyExists/);
    await provider.close();
    expect(fake.pods).toEqual([]);
  });

  it('gives up on a pod stuck Pending past the ready timeout, says why, and deletes it', async () => {
    const fake = await cluster.start({ stuckPending: true });
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
      readyTimeoutMs: 1500,
    });
    const error = await rejection(provider(task()));
    expect(error.code).toBe('not_ready');
    expect(error.phase).toBe('provisioning');
    expect(error.message).toMatch(
      /^pod hud-test\/hud-echo-task-[0-9a-f]{8} of 'hud-test\/echo-env:latest' was not ready within 1\.5 s: Pending \(PodScheduled=False Unschedulable: 0\/1 nodes are available/,
    );
    expect(fake.pods).toEqual([]);
  });

  it('reports a container that exits before it serves (Failed) with its exit code and log lines', async () => {
    const fake = await cluster.start({ exitOnStart: { code: 3, output: 'boom: no config' } });
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    const error = await rejection(provider(task()));
    expect(error.code).toBe('exited_early');
    expect(error.message).toMatch(/ended before its control port answered \(exit code 3\): Failed/);
    expect(error.output).toBe('boom: no config');
    expect(error.message).toMatch(/--- last log lines of the pod ---\nboom: no config$/);
    expect(fake.pods).toEqual([]);
    expect(await fake.containers()).toEqual([]);
  });

  it('reopens a watch the server closed mid-stream, from the last version seen', async () => {
    const fake = await cluster.start({ closeWatch: { count: 3, events: 1 } });
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    await using lease = await provider(task());
    expect(lease.url).toMatch(/^tcp:/);
    // Each watch ended after one event (Running, then Ready): the pod was followed across them.
    const watches = fake.requests.filter((r) => r.path.includes('watch=true'));
    expect(watches.length).toBeGreaterThanOrEqual(2);
    expect(fake.faults.closeWatch?.count).toBeLessThan(2);
    expect(watches[1]?.path).toMatch(/resourceVersion=\d+/);
  });

  it('recovers from 410 Gone on a watch by reading the pod again', async () => {
    const fake = await cluster.start({ goneWatches: 1 });
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    await using lease = await provider(task());
    const name = lease.pod.split('/')[1];
    expect(fake.faults.goneWatches).toBe(0);
    expect(
      fake.requests.some(
        (r) => r.method === 'GET' && r.path === `/api/v1/namespaces/hud-test/pods/${name}`,
      ),
    ).toBe(true);
  });

  it('names the pod when its port-forward WebSocket drops while leased, and deletes it on release', async () => {
    // The first port-forward (the readiness hello) passes; the rollout's connection is cut.
    const fake = await cluster.start({ dropPortForward: { skip: 1, count: 1 } });
    const provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    const lease = await provider(task());
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    // The request after hello is where the fake cuts the WebSocket.
    const failed = await client.startTask('echo', {}).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String(failed)).toMatch(/tasks\.start/);
    await new Promise<void>((resolve) =>
      lease.signal.aborted ? resolve() : lease.signal.addEventListener('abort', () => resolve()),
    );
    const reason = lease.signal.reason as KubernetesRuntimeError;
    expect(reason.code).toBe('forward_failed');
    expect(reason.message).toMatch(
      new RegExp(
        `^port-forward to pod ${lease.pod} port 8765 dropped \\(WebSocket closed with code 1006\\)`,
      ),
    );
    await lease.removed();
    await provider.close();
    expect(fake.pods).toEqual([]);
  });

  it('aborts the lease when the pod passes activeDeadlineSeconds (run_timeout)', async () => {
    const fake = await cluster.start();
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    await using lease = await provider(task({ runtime_config: { limits: { run_timeout_s: 2 } } }));
    await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve()));
    const reason = lease.signal.reason as KubernetesRuntimeError;
    expect(reason.code).toBe('run_timeout');
    expect(reason.message).toMatch(/exceeded limits\.run_timeout_s \(activeDeadlineSeconds\)/);
  });

  it('reopens watches the client ends for being idle, while Pending and while leased', async () => {
    const fake = await cluster.start({ stuckPending: true });
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
      readyTimeoutMs: 2500,
      watchIdleMs: 300,
    });
    // Quiet watches end every 300 ms: still a clean not_ready at the deadline, not an API failure.
    const pending = await rejection(provider(task()));
    expect(pending.code).toBe('not_ready');
    fake.faults.stuckPending = false;
    await using lease = await provider(task({ runtime_config: { limits: { run_timeout_s: 2 } } }));
    const watchesBefore = fake.requests.filter((r) => r.path.includes('watch=true')).length;
    await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve()));
    // The lease's watch was reopened while idle and still saw the deadline.
    expect((lease.signal.reason as KubernetesRuntimeError).code).toBe('run_timeout');
    expect(fake.requests.filter((r) => r.path.includes('watch=true')).length).toBeGreaterThan(
      watchesBefore + 1,
    );
  });

  it('deletes a pod whose creation was answered after the acquisition was aborted, and on close()', async () => {
    const fake = await cluster.start({ createDelayMs: 1500 });
    const provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    const controller = new AbortController();
    const aborted = provider(task(), { signal: controller.signal });
    while (fake.pods.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    // The server has the pod; its answer is still on the way.
    controller.abort(new Error('Ctrl-C'));
    await expect(aborted).rejects.toThrow('Ctrl-C');
    expect(fake.pods).toEqual([]);

    const late = provider(task());
    while (fake.pods.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await provider.close();
    await expect(late).rejects.toThrow('KubernetesRuntime is closed');
    expect(fake.pods).toEqual([]);
    expect(await fake.containers()).toEqual([]);
  });
});
