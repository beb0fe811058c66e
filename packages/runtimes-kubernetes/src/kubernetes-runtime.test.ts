import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { PassThrough } from 'node:stream';
import { HudClient } from '@hud/protocol';
import { CoreV1Api, Exec, type V1Status } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  ECHO_IMAGE,
  fakeCluster,
  hasDocker,
  kubeConfigOf,
  task,
} from './__fixtures__/fake-cluster.js';
import {
  KubernetesRuntime,
  type KubernetesRuntimeError,
  Labels,
  labelValue,
  listManagedPods,
  ownerLabels,
  reapOrphans,
} from './index.js';

describe.skipIf(!hasDocker)('KubernetesRuntime against the Docker-backed fake API server', () => {
  const cluster = fakeCluster();

  it('leases a labelled pod that answers hello through port-forward, and deletes it once released', async () => {
    const fake = await cluster.start();
    const job = cluster.newJob();
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job,
      envVars: { ENV_NAME: 'from-env-var' },
      runtimeConfig: { resources: { cpu: 0.5 } },
    });
    expect(provider.namespace).toBe('hud-test');
    const lease = await provider(
      task({
        runtime_config: {
          resources: { memory_mb: 128 },
          limits: { startup_timeout_s: 60, run_timeout_s: 600 },
        },
      }),
    );
    expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(lease.params).toEqual({
      provider: 'kubernetes',
      instance_id: lease.pod,
      ready_timeout: 60,
    });
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    expect(client.manifest?.env.name).toBe('from-env-var');
    expect((await client.startTask('echo', {})).prompt).toBe('say hello');
    await client.close();

    const pod = fake.pod(lease.pod);
    expect(pod?.metadata.labels).toMatchObject({
      [Labels.managed]: '1',
      [Labels.job]: job,
      [Labels.ownerPid]: String(process.pid),
    });
    expect(pod?.metadata.annotations).toEqual({ 'hud.task': 'echo-task' });
    expect(pod?.spec).toMatchObject({
      restartPolicy: 'Never',
      activeDeadlineSeconds: 600,
      containers: [
        {
          image: ECHO_IMAGE,
          resources: {
            requests: { cpu: '0.5', memory: '128Mi' },
            limits: { cpu: '0.5', memory: '128Mi' },
          },
          readinessProbe: { tcpSocket: { port: 8765 } },
        },
      ],
    });
    expect(provider.pods).toEqual([lease.pod]);

    await lease.close();
    await lease.close(); // idempotent
    await lease.removed();
    expect(provider.pods).toEqual([]);
    expect(fake.pods).toEqual([]);
    expect(await fake.containers()).toEqual([]);
  });

  it('reaches the pod at its IP when told it runs in the cluster', async () => {
    const fake = await cluster.start();
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
      reach: 'pod-ip',
    });
    await using lease = await provider(task());
    const ip = fake.pod(lease.pod)?.status.podIP;
    expect(lease.url).toBe(`tcp://${ip}:8765`);
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    await client.close();
    expect(fake.requests.some((r) => r.path.includes('/portforward'))).toBe(false);
  });

  it('fails fast on an image the node does not have, naming the reason', async () => {
    const fake = await cluster.start();
    await using provider = KubernetesRuntime('hud-test/no-such-image:1', {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    const error = (await provider(task()).catch(
      (thrown: unknown) => thrown,
    )) as KubernetesRuntimeError;
    expect(error.code).toBe('exited_early');
    expect(error.message).toMatch(
      /^pod hud-test\/hud-echo-task-[0-9a-f]{8} of 'hud-test\/no-such-image:1' cannot start its container: ErrImageNeverPull: image "hud-test\/no-such-image:1" is not present on the node$/,
    );
    expect(fake.pods).toEqual([]);
  });

  it('deletes the pod when provisioning is aborted, and every pod on close()', async () => {
    const fake = await cluster.start();
    const provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    const controller = new AbortController();
    const aborted = provider(task(), { signal: controller.signal });
    while (fake.created.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('Ctrl-C'));
    await expect(aborted).rejects.toThrow('Ctrl-C');
    const leased = await provider(task());
    expect(provider.pods).toEqual([leased.pod]);
    await provider.close();
    await provider.close(); // idempotent
    expect(provider.pods).toEqual([]);
    expect(fake.pods).toEqual([]);
    expect(await fake.containers()).toEqual([]);
    await expect(provider(task())).rejects.toThrow('KubernetesRuntime is closed');
  });

  it('reaps only the pods whose owner process is gone', async () => {
    const fake = await cluster.start();
    const config = kubeConfigOf(fake);
    const core = config.makeApiClient(CoreV1Api);
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
        encoding: 'utf8',
      }).stdout,
    );
    const orphan = { 'hud.owner.pid': String(dead), 'hud.owner.host': labelValue(hostname()) };
    for (const [name, owner] of [
      ['orphan', orphan],
      ['alive', ownerLabels()],
    ] as const) {
      await core.createNamespacedPod({
        namespace: 'hud-test',
        body: {
          metadata: { name, labels: { 'hud.managed': '1', 'hud.job': 'earlier', ...owner } },
          spec: { containers: [{ name: 'env', image: ECHO_IMAGE }] },
        },
      });
    }
    expect((await listManagedPods({ config })).map((pod) => pod.name).sort()).toEqual([
      'alive',
      'orphan',
    ]);
    expect(await reapOrphans({ config })).toEqual({
      removed: ['hud-test/orphan'],
      jobs: ['earlier'],
    });
    expect(fake.pods).toEqual(['hud-test/alive']);
  });

  it('the fake serves exec (channel framing, exit status) and logs to the official client', async () => {
    const fake = await cluster.start();
    await using provider = KubernetesRuntime(ECHO_IMAGE, {
      kubeConfig: kubeConfigOf(fake),
      job: cluster.newJob(),
    });
    await using lease = await provider(task());
    const [namespace, name] = lease.pod.split('/') as [string, string];
    const run = async (command: string[]) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (chunk: Buffer) => (out += chunk));
      stderr.on('data', (chunk: Buffer) => (err += chunk));
      const status = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kubeConfigOf(fake))
          .exec(namespace, name, 'env', command, stdout, stderr, null, false, resolve)
          .catch(reject);
      });
      return { out, err, status };
    };
    const ok = await run(['sh', '-c', 'echo out; echo err >&2']);
    expect(ok).toEqual({ out: 'out\n', err: 'err\n', status: { metadata: {}, status: 'Success' } });
    const failed = await run(['sh', '-c', 'exit 5']);
    expect(failed.status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '5' }] },
    });
    expect(await lease.logs()).toMatch(/echo-env: mode=serve\nHUD_SERVE_PORT=8765/);
  });
});
