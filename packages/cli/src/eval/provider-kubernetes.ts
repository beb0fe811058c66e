import type { TaskRow } from '@hud/protocol';
import { recordedImage } from '../docker/project.js';
import { loadKubernetesRuntime } from '../optional-package.js';
import type { ChosenProvider, chooseProvider } from './provider-choice.js';

type ChoiceOptions = Parameters<typeof chooseProvider>[0];

/**
 * `--runtime kubernetes[:<namespace>]`: one pod per rollout on the cluster of the usual kubeconfig
 * (`KUBECONFIG`, `~/.kube/config`, else the in-cluster service account), in `<namespace>` (default: the
 * kubeconfig context's, else `default`), from each row's `runtime_config.image`, else the image `hud build`
 * recorded for its environment (the cluster must be able to pull it). Inside a cluster
 * (`KUBERNETES_SERVICE_HOST` set, no `KUBECONFIG`) pods are reached at their IP; elsewhere through a
 * loopback port-forward. Pods of earlier jobs whose hud process is gone are reaped when the job starts.
 * `@hud/runtimes-kubernetes` is an optional peer of the CLI, imported only here.
 * @throws Error for `kubernetes:` without a namespace; MissingPackageError when `@hud/runtimes-kubernetes`
 *   is not installed; KubernetesRuntimeError `api_unavailable` when no kubeconfig is found.
 */
export async function kubernetesProvider(
  options: ChoiceOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ChosenProvider> {
  const { runtime } = options;
  const namespace = runtime.startsWith('kubernetes:')
    ? runtime.slice('kubernetes:'.length)
    : undefined;
  if (namespace === '') throw new Error('--runtime kubernetes:<namespace> needs a namespace');
  const k8s = await loadKubernetesRuntime(`hud eval --runtime ${runtime}`);
  const kubeConfig = k8s.loadKubeConfig();
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST) && !env.KUBECONFIG;
  const provider = k8s.KubernetesRuntime(undefined, {
    kubeConfig,
    ...(namespace ? { namespace } : {}),
    reach: inCluster ? 'pod-ip' : 'port-forward',
    imageFor: (task: TaskRow) => recordedImage(task.env, options.source)?.tag,
    ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    job: options.job,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const server = kubeConfig.getCurrentCluster()?.server ?? '?';
  return {
    provider,
    label: `kubernetes (namespace ${provider.namespace} on ${server}${inCluster ? ', pod IPs' : ''})`,
    close: () => provider.close(),
    reapOrphans: () => k8s.reapOrphans({ config: kubeConfig, namespace: provider.namespace }),
    substrate: 'pod',
  };
}
