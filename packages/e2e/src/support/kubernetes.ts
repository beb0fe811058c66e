import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { FakeKubeApiServer, type FakeKubeFaults } from '@hud/testing/kubernetes';
import { type HudRun, runHud } from './run-hud.js';

/** `hud eval --no-reap <source> oracle …args --json --store <store>` with `KUBECONFIG=<kubeconfig>`. */
export function evalOnKubernetes(
  source: string,
  store: string,
  kubeconfig: string,
  args: string[],
  options: { timeoutMs?: number; reap?: boolean } = {},
): Promise<HudRun> {
  return runHud(
    [
      'eval',
      ...(options.reap ? [] : ['--no-reap']),
      source,
      'oracle',
      ...args,
      '--json',
      '--store',
      store,
    ],
    {
      timeoutMs: options.timeoutMs ?? 180_000,
      env: { ...process.env, KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: '' },
    },
  );
}

/** Starts a fake API server with `faults` and writes its kubeconfig into `dir`; returns both. */
export async function startFakeCluster(
  dir: string,
  faults: FakeKubeFaults = {},
  namespace = 'hud-e2e',
): Promise<{ fake: FakeKubeApiServer; kubeconfig: string }> {
  const fake = await FakeKubeApiServer.start({ faults, namespace });
  const kubeconfig = path.join(dir, `kubeconfig-${fake.id}.yaml`);
  writeFileSync(kubeconfig, fake.kubeconfig());
  return { fake, kubeconfig };
}

/** A pid that no process has any more (a child that ran and exited). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

/** `POST` of a pod to the fake over HTTPS (as another hud process would have created it). */
export function postPod(fake: FakeKubeApiServer, namespace: string, pod: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(pod);
    const req = request(
      `${fake.url}/api/v1/namespaces/${namespace}/pods`,
      {
        method: 'POST',
        ca: fake.ca,
        headers: {
          authorization: `Bearer ${fake.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
