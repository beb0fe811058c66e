import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from './client.js';
import { statusOf } from './errors.js';
import { Labels, ownerGone } from './labels.js';

/** A pod hud-ts manages, as {@link listManagedPods} reports it. */
export interface ManagedPod {
  readonly namespace: string;
  readonly name: string;
  /** `Pending`, `Running`, `Failed`… */
  readonly phase: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Every pod labelled `hud.managed=1` in `namespace` (default: the context's), optionally only those of one
 * job.
 * @throws KubernetesRuntimeError `api_unavailable`; the API's refusal (e.g. 403 without `list pods`).
 */
export async function listManagedPods(options: {
  config: KubeConfig;
  namespace?: string;
  job?: string;
}): Promise<ManagedPod[]> {
  const client = new KubeClient(options.config, options.namespace);
  const selector = [`${Labels.managed}=1`];
  if (options.job !== undefined) selector.push(`${Labels.job}=${options.job}`);
  const list = await client.call('list pods', () =>
    client.core.listNamespacedPod({
      namespace: client.namespace,
      labelSelector: selector.join(','),
    }),
  );
  return list.items.map((pod) => ({
    namespace: pod.metadata?.namespace ?? client.namespace,
    name: pod.metadata?.name ?? '?',
    phase: pod.status?.phase ?? 'Unknown',
    labels: pod.metadata?.labels ?? {},
  }));
}

/** What {@link reapOrphans} did: the same shape as the Docker runtime's. */
export interface ReapResult {
  /** `<namespace>/<name>` of the orphaned pods deleted. */
  readonly removed: readonly string[];
  /** The jobs they belonged to. */
  readonly jobs: readonly string[];
}

/**
 * Deletes the pods of earlier jobs whose owner process is gone (killed with SIGKILL, crashed): labelled
 * `hud.managed=1`, created from this host, by a pid that no longer runs (or now belongs to another
 * process). Pods of live processes and of other hosts are left alone. `hud eval --runtime kubernetes`
 * calls it when a job starts.
 * @throws KubernetesRuntimeError `api_unavailable`; the API's refusal.
 */
export async function reapOrphans(options: {
  config: KubeConfig;
  namespace?: string;
}): Promise<ReapResult> {
  const client = new KubeClient(options.config, options.namespace);
  const orphans = (await listManagedPods(options)).filter((pod) => ownerGone(pod.labels));
  await Promise.all(
    orphans.map(async (pod) => {
      try {
        await client.call('delete pod', () =>
          client.core.deleteNamespacedPod({
            name: pod.name,
            namespace: pod.namespace,
            gracePeriodSeconds: 0,
          }),
        );
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }),
  );
  const jobs = new Set(orphans.map((pod) => pod.labels[Labels.job] ?? '?'));
  return { removed: orphans.map((pod) => `${pod.namespace}/${pod.name}`), jobs: [...jobs] };
}
