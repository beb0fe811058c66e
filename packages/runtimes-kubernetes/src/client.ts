import { CoreV1Api, KubeConfig, PortForward, Watch } from '@kubernetes/client-node';
import pRetry, { AbortError } from 'p-retry';
import { apiMessage, isUnreachable, KubernetesRuntimeError, statusOf } from './errors.js';

/** How API calls are retried: attempts after the first, and the backoff bounds in ms. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** First backoff, ms (default 250; doubles each retry, ±50 % jitter). */
  minTimeoutMs?: number;
  /** Longest backoff, ms (default 5000). */
  maxTimeoutMs?: number;
}

/** Whether an API failure is worth retrying: 429, 5xx, or the server unreachable (reset, refused). */
export function retryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  return isUnreachable(error);
}

/**
 * The cluster as the runtime uses it: a {@link KubeConfig}, its CoreV1 API, Watch and PortForward, the
 * namespace, and API calls retried on 429/5xx and transport failures with exponential backoff.
 * @internal
 */
export class KubeClient {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly watch: Watch;
  readonly forward: PortForward;
  readonly namespace: string;
  readonly #retry: Required<RetryPolicy>;

  /**
   * @param watchIdleMs how long a watch may go without an event before the client ends it (and
   *   {@link followPod} reopens it); default the official client's 30 s.
   */
  constructor(
    config: KubeConfig,
    namespace: string | undefined,
    retry: RetryPolicy = {},
    watchIdleMs?: number,
  ) {
    if (!config.getCurrentCluster()) {
      throw new KubernetesRuntimeError(
        'api_unavailable',
        'no Kubernetes cluster configured: set KUBECONFIG, create ~/.kube/config, or run inside a cluster (service account)',
      );
    }
    this.config = config;
    this.core = config.makeApiClient(CoreV1Api);
    this.watch = new Watch(config);
    if (watchIdleMs !== undefined) {
      // The official Watch keeps its idle limit in a field without a setter (30 s).
      (this.watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = watchIdleMs;
    }
    this.forward = new PortForward(config, true);
    this.namespace =
      namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
    this.#retry = {
      retries: retry.retries ?? 5,
      minTimeoutMs: retry.minTimeoutMs ?? 250,
      maxTimeoutMs: retry.maxTimeoutMs ?? 5000,
    };
  }

  /** The API server's address (for messages). */
  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '?';
  }

  /**
   * Runs `call`, retrying 429/5xx answers and transport failures with backoff; other answers (4xx) are
   * thrown at once. `what` names the call in the error.
   * @throws KubernetesRuntimeError `api_unavailable` when the server stayed unreachable; the last
   *   ApiException otherwise (callers map it); `signal.reason` on abort.
   */
  async call<T>(what: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await pRetry(
        async () => {
          try {
            return await call();
          } catch (error) {
            if (!retryable(error)) throw new AbortError(error as Error);
            throw error;
          }
        },
        {
          retries: this.#retry.retries,
          minTimeout: this.#retry.minTimeoutMs,
          maxTimeout: this.#retry.maxTimeoutMs,
          randomize: true,
          signal,
        },
      );
    } catch (error) {
      signal?.throwIfAborted();
      if (statusOf(error) === undefined && isUnreachable(error)) {
        throw new KubernetesRuntimeError(
          'api_unavailable',
          `cannot reach the Kubernetes API server at ${this.server} (${what}): ${apiMessage(error)}`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/**
 * A kubeconfig from the usual places, as kubectl finds it: the files of `KUBECONFIG`, else
 * `~/.kube/config`, else the in-cluster service account (`KubeConfig.loadFromDefault` of the official
 * client, which reads those itself); `context` selects a context other than the current one.
 * @throws KubernetesRuntimeError `api_unavailable` when nothing is configured, `invalid_argument` for an
 *   unknown context.
 */
export function loadKubeConfig(options: { context?: string } = {}): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromDefault();
  } catch (error) {
    throw new KubernetesRuntimeError(
      'api_unavailable',
      `could not load a kubeconfig (KUBECONFIG, ~/.kube/config or in-cluster): ${apiMessage(error)}`,
      { cause: error },
    );
  }
  if (options.context !== undefined) {
    if (!config.getContextObject(options.context)) {
      throw new KubernetesRuntimeError(
        'invalid_argument',
        `kubeconfig has no context '${options.context}' (contexts: ${config.contexts.map((c) => c.name).join(', ') || 'none'})`,
      );
    }
    config.setCurrentContext(options.context);
  }
  return config;
}
