import { randomUUID } from 'node:crypto';
import type { HudLogger, JsonObject, ProvideOptions, TaskRow } from '@hud/protocol';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, loadKubeConfig, type RetryPolicy } from './client.js';
import { KubernetesRuntimeError } from './errors.js';
import { podLabels, TASK_ANNOTATION } from './labels.js';
import { KubernetesLease } from './lease.js';
import { HudPod, type PodReach } from './pod.js';
import { mergeRuntimeConfig, podSettings } from './runtime-config.js';

/** Options of {@link KubernetesRuntime}. */
export interface KubernetesRuntimeOptions {
  /** The cluster (default {@link loadKubeConfig}: `KUBECONFIG`, `~/.kube/config`, in-cluster). */
  kubeConfig?: KubeConfig;
  /** The namespace of the pods (default: the kubeconfig context's, else `default`). */
  namespace?: string;
  /**
   * How the control port is reached: `port-forward` (default; a 127.0.0.1 listener, one port-forward
   * WebSocket per TCP connection) or `pod-ip` (the pod's IP directly: when this process runs in the
   * cluster).
   */
  reach?: PodReach;
  /** The control port the image's CMD serves on (default 8765, hud-python's). */
  port?: number;
  /** Environment variables of every pod. */
  envVars?: Readonly<Record<string, string>>;
  /** The provider's own `runtime_config`; each task's is laid over it section by section. */
  runtimeConfig?: JsonObject;
  /**
   * The image of a task whose `runtime_config` names none (the image `hud build` recorded or the
   * platform deployed for its environment). Ignored when the provider was given an image.
   */
  imageFor?: (task: TaskRow) => string | undefined;
  /** The container's `imagePullPolicy` (default: the cluster's). */
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** The pods' service account (default: the namespace's `default`; its token is not mounted). */
  serviceAccountName?: string;
  /**
   * How long a pod may take to be Ready and answer `hello`, ms (includes scheduling and the image pull).
   * A task's `limits.startup_timeout_s` wins. Default 300 000.
   */
  readyTimeoutMs?: number;
  /** The `hud.job` label: the job id, or a function read at each acquisition. Default: an id of this provider. */
  job?: string | (() => string | undefined);
  /** Extra labels on every pod. */
  labels?: Readonly<Record<string, string>>;
  /** How API calls are retried on 429/5xx (default 5 retries, 250 ms doubling to 5 s). */
  retry?: RetryPolicy;
  /**
   * How long a pod watch may go without an event before it is ended and reopened, ms (default: the
   * official client's 30 000).
   */
  watchIdleMs?: number;
  /** Diagnostics (creations, deletions); default silent. */
  logger?: HudLogger;
}

/**
 * A provider serving each rollout from its own pod (docs/architecture.md §4 `kubernetes`): call it with a
 * task row to get a {@link KubernetesLease}. Holds pods, so close it (or `await using`) when done.
 */
export interface KubernetesProvider extends AsyncDisposable {
  /**
   * Creates a pod for `task`, follows it by watch until Ready, waits until its control port answers
   * `hello` and leases it.
   * @throws KubernetesRuntimeError `invalid_argument`, `unsupported`, `create_failed`, `api_unavailable`,
   *   `exited_early` / `not_ready` (with the pod's state and last log lines), `closed`; `signal.reason`
   *   on abort. The pod is deleted in every case.
   */
  (task: TaskRow, options?: ProvideOptions): Promise<KubernetesLease>;
  /** The namespace pods are created in. */
  readonly namespace: string;
  /** The `hud.job` label of pods created now. */
  readonly job: string;
  /** `<namespace>/<name>` of live pods (starting, leased, and released ones still being deleted). */
  readonly pods: readonly string[];
  /** Pods created so far. */
  readonly createdCount: number;
  /**
   * Deletes every pod, waits for the deletions still running in the background. Idempotent.
   * @throws KubernetesRuntimeError when a pod could not be deleted (it is then left to the reaper).
   */
  close(): Promise<void>;
}

/**
 * Serves each rollout from its own pod, with the official `@kubernetes/client-node`: one pod per rollout
 * (`restartPolicy: Never`, `activeDeadlineSeconds` from `limits.run_timeout_s`, requests and limits from
 * `resources`, a TCP readiness probe on the control port), labelled `hud.managed=1`, `hud.job`, `hud.run`
 * and owner pid/host (see {@link reapOrphans}), followed by watch until Ready, then probed until the
 * control port answers `hello` through a port-forward (or the pod IP). Releasing the lease deletes the pod
 * in the background; close() deletes everything. API calls are retried on 429/5xx with backoff.
 *
 * The image's CMD must serve on `0.0.0.0:<port>`: `hud build` images do.
 * @param image the image every task runs; without it, each task's `runtime_config.image`, else
 *   `options.imageFor(task)`.
 * @throws KubernetesRuntimeError `invalid_argument` for bad options, `api_unavailable` without a cluster.
 * @example
 * await using provider = KubernetesRuntime('registry.example.com/letter-count:1', { namespace: 'evals' });
 * await using runtime = await provider(task);
 */
export function KubernetesRuntime(
  image?: string,
  options: KubernetesRuntimeOptions = {},
): KubernetesProvider {
  if (image !== undefined && image.trim() === '') {
    throw new KubernetesRuntimeError(
      'invalid_argument',
      'KubernetesRuntime: image must not be empty',
    );
  }
  const port = options.port ?? 8765;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KubernetesRuntimeError('invalid_argument', `KubernetesRuntime: bad port ${port}`);
  }
  if (options.readyTimeoutMs !== undefined && !(options.readyTimeoutMs > 0)) {
    throw new KubernetesRuntimeError(
      'invalid_argument',
      `KubernetesRuntime: readyTimeoutMs must be positive, got ${options.readyTimeoutMs}`,
    );
  }
  const client = new KubeClient(
    options.kubeConfig ?? loadKubeConfig(),
    options.namespace,
    options.retry,
    options.watchIdleMs,
  );
  const ownJob = randomUUID();
  const live = new Set<HudPod>();
  /** Creations in flight: awaited by close() so a pod created late is deleted too. */
  const inFlight = new Set<Promise<unknown>>();
  const removals = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let created = 0;
  let closing: Promise<void> | undefined;
  const jobOf = () => {
    const { job } = options;
    return (typeof job === 'function' ? job() : job) ?? ownJob;
  };
  const checkOpen = () => {
    if (closing) throw new KubernetesRuntimeError('closed', 'KubernetesRuntime is closed');
  };

  const remove = (pod: HudPod): Promise<void> => {
    if (pod.removing) return pod.remove();
    const removal = pod.remove().finally(() => live.delete(pod));
    const tracked = removal.then(
      () => options.logger?.debug(`KubernetesRuntime: deleted pod ${pod.where}`),
      (error: unknown) => {
        failures.push(error);
        options.logger?.warn(`KubernetesRuntime: deleting ${pod.where}: ${String(error)}`);
      },
    );
    removals.add(tracked);
    void tracked.finally(() => removals.delete(tracked));
    return removal;
  };

  const acquire = async (task: TaskRow, provideOptions: ProvideOptions = {}) => {
    checkOpen();
    const { signal } = provideOptions;
    signal?.throwIfAborted();
    const settings = podSettings(
      mergeRuntimeConfig(options.runtimeConfig, task.runtime_config),
      task.slug,
    );
    const chosen = image ?? settings.image ?? options.imageFor?.(task);
    if (!chosen) {
      throw new KubernetesRuntimeError(
        'invalid_argument',
        `no image for task '${task.slug}' (env '${task.env}'): set runtime_config.image on the row, or build and push one (hud build <env dir>) the cluster can pull`,
      );
    }
    const timeoutMs = settings.startupTimeoutMs ?? options.readyTimeoutMs ?? 300_000;
    const creating = HudPod.create(
      client,
      {
        slug: task.slug,
        image: chosen,
        port,
        labels: podLabels({ job: jobOf(), extra: options.labels }),
        annotations: { [TASK_ANNOTATION]: task.slug },
        settings,
        envVars: options.envVars,
        imagePullPolicy: options.imagePullPolicy,
        serviceAccountName: options.serviceAccountName,
      },
      signal,
    );
    inFlight.add(creating);
    let pod: HudPod;
    try {
      pod = await creating;
    } finally {
      inFlight.delete(creating);
    }
    created++;
    live.add(pod);
    options.logger?.debug(
      `KubernetesRuntime: created pod ${pod.where} (${chosen}) for '${task.slug}'`,
    );
    try {
      checkOpen();
      signal?.throwIfAborted();
      await pod.waitReady({ timeoutMs, reach: options.reach ?? 'port-forward', signal });
      checkOpen();
    } catch (error) {
      await remove(pod).catch(() => {});
      checkOpen();
      throw error;
    }
    const died = new AbortController();
    void pod
      .watchEnd((error) => {
        if (!pod.removing) died.abort(error);
      })
      .then((error) => {
        if (error && !pod.removing) died.abort(error);
      });
    options.logger?.debug(`KubernetesRuntime: leased ${pod.where} on ${pod.url}`);
    return new KubernetesLease({
      pod,
      readyTimeoutS: timeoutMs / 1000,
      died: died.signal,
      release: () => remove(pod),
    });
  };

  const close = () => {
    closing ??= (async () => {
      // A creation in flight ends in `live` (then deleted below) or fails.
      await Promise.allSettled([...inFlight]);
      const results = await Promise.allSettled([...live].map((pod) => remove(pod)));
      while (removals.size > 0) await Promise.allSettled([...removals]);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (failures.length > 0) throw failures[0];
    })();
    return closing;
  };

  return Object.defineProperties(acquire, {
    namespace: { value: client.namespace, enumerable: true },
    job: { get: jobOf, enumerable: true },
    pods: { get: () => [...live].map((pod) => pod.where), enumerable: true },
    createdCount: { get: () => created, enumerable: true },
    close: { value: close },
    [Symbol.asyncDispose]: { value: close },
  }) as KubernetesProvider;
}
