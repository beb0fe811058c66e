import { HudClient, HudError } from '@hud/protocol';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { apiMessage, KubernetesRuntimeError, statusOf } from './errors.js';
import { CONTAINER_NAME, type PodSpecInput, podManifest, podName } from './pod-spec.js';
import { describePod, exitCode, fatalWaiting, hasEnded, isReady } from './pod-status.js';
import { followPod, readPod } from './pod-watch.js';
import { PortForwardListener } from './port-forward.js';

/** Lines of pod log attached to errors (hud-python: 40–50). */
export const LOG_TAIL_LINES = 50;

/** Creations retried with a fresh name after `409 AlreadyExists`. */
const NAME_CONFLICT_RETRIES = 3;

/** How the control port of a pod is reached. */
export type PodReach = 'port-forward' | 'pod-ip';

/**
 * One pod serving an environment image: created with hud's labels, followed by watch until Ready,
 * reached through a loopback port-forward listener (or its IP from inside the cluster), probed until it
 * answers `hello`, and deleted (idempotently).
 * @internal
 */
export class HudPod {
  readonly #client: KubeClient;
  readonly name: string;
  readonly image: string;
  readonly #port: number;
  #version: string | undefined;
  #listener: PortForwardListener | undefined;
  #url: string | undefined;
  #removing: Promise<void> | undefined;
  readonly #stop = new AbortController();
  /** Set once leased: port-forward drops go there. */
  #onDrop: ((error: KubernetesRuntimeError) => void) | undefined;

  private constructor(client: KubeClient, created: V1Pod, image: string, port: number) {
    this.#client = client;
    this.name = created.metadata?.name ?? '?';
    this.#version = created.metadata?.resourceVersion;
    this.image = image;
    this.#port = port;
  }

  /**
   * Creates the pod (`POST …/pods`; 429/5xx retried with backoff, `409 AlreadyExists` retried with a
   * fresh name). `signal` is checked before each attempt, never during one: the caller deletes a pod
   * created after it aborted.
   * @throws KubernetesRuntimeError `create_failed` (the API's refusal: quota, admission, invalid spec),
   *   `api_unavailable`.
   */
  static async create(
    client: KubeClient,
    spec: Omit<PodSpecInput, 'name'> & { slug: string },
    signal?: AbortSignal,
  ): Promise<HudPod> {
    let lastConflict: unknown;
    for (let attempt = 0; attempt <= NAME_CONFLICT_RETRIES; attempt++) {
      signal?.throwIfAborted();
      const body = podManifest({ ...spec, name: podName(spec.slug) });
      try {
        // Not aborted by `signal` once sent: a pod the server created must come back, to be deleted.
        const created = await client.call('create pod', () =>
          client.core.createNamespacedPod({ namespace: client.namespace, body }),
        );
        return new HudPod(client, created, spec.image, spec.port);
      } catch (error) {
        if (statusOf(error) === 409) {
          lastConflict = error;
          continue;
        }
        if (KubernetesRuntimeError.isInstance(error)) throw error;
        throw new KubernetesRuntimeError(
          'create_failed',
          `the Kubernetes API refused to create a pod of '${spec.image}' in namespace ${client.namespace} (${statusOf(error) ?? 'error'}): ${apiMessage(error)}`,
          { cause: error },
        );
      }
    }
    throw new KubernetesRuntimeError(
      'create_failed',
      `could not create a pod of '${spec.image}' in namespace ${client.namespace}: ${NAME_CONFLICT_RETRIES + 1} attempts answered 409 AlreadyExists (${apiMessage(lastConflict)})`,
      { cause: lastConflict },
    );
  }

  /** `<namespace>/<name>`. */
  get where(): string {
    return `${this.#client.namespace}/${this.name}`;
  }

  /** `tcp://127.0.0.1:<port>` (port-forward) or `tcp://<pod IP>:<port>`, once ready. */
  get url(): string | undefined {
    return this.#url;
  }

  /**
   * Follows the pod until its Ready condition is True (its TCP readiness probe passed), opens the way to
   * its control port, and waits until that answers `hello`.
   * @throws KubernetesRuntimeError `exited_early` (the pod ended, was deleted, or its container cannot
   *   start: with the reason and its last log lines), `not_ready` (not ready, or no `hello`, within
   *   `timeoutMs`: with the pod's state), `api_unavailable`; `signal.reason` on abort.
   */
  async waitReady(options: {
    timeoutMs: number;
    reach: PodReach;
    signal?: AbortSignal;
  }): Promise<void> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = AbortSignal.any(
      [options.signal, deadline, this.#stop.signal].filter((s): s is AbortSignal => !!s),
    );
    let last: V1Pod | undefined;
    let ready: V1Pod | undefined;
    try {
      await followPod(
        this.#client,
        this.name,
        this.#version,
        (pod) => {
          last = pod;
          if (!pod || hasEnded(pod)) throw new EndedEarly(pod);
          const fatal = fatalWaiting(pod);
          if (fatal) throw new EndedEarly(pod, fatal);
          if (!isReady(pod)) return 'continue';
          ready = pod;
          return 'stop';
        },
        signal,
      );
    } catch (error) {
      options.signal?.throwIfAborted();
      if (error instanceof EndedEarly) throw await this.#endedEarly(error);
      if (deadline.aborted) {
        throw new KubernetesRuntimeError(
          'not_ready',
          `pod ${this.where} of '${this.image}' was not ready within ${options.timeoutMs / 1000} s: ${describePod(last ?? (await this.#readQuietly()))}`,
          { pod: this.where, output: await this.logs() },
        );
      }
      throw error;
    }
    this.#version = ready?.metadata?.resourceVersion;
    if (options.reach === 'pod-ip') {
      const ip = ready?.status?.podIP;
      if (!ip) {
        throw new KubernetesRuntimeError('not_ready', `pod ${this.where} is Ready but has no IP`, {
          pod: this.where,
        });
      }
      this.#url = `tcp://${ip.includes(':') ? `[${ip}]` : ip}:${this.#port}`;
    } else {
      this.#listener = await PortForwardListener.listen(
        this.#client,
        this.name,
        this.#port,
        (error) => this.#onDrop?.(error),
      );
      this.#url = `tcp://127.0.0.1:${this.#listener.port}`;
    }
    try {
      const client = await HudClient.connect(this.#url, {
        readyTimeoutMs: Math.max(1, options.timeoutMs),
        retryIntervalMs: 100,
        heartbeatIntervalMs: 0,
        signal,
      });
      await client.close();
    } catch (error) {
      options.signal?.throwIfAborted();
      if (deadline.aborted || (HudError.isInstance(error) && error.code === 'not_ready')) {
        throw new KubernetesRuntimeError(
          'not_ready',
          `pod ${this.where} of '${this.image}' is Ready but its control port ${this.#port} did not answer hello within ${options.timeoutMs / 1000} s: does its CMD serve on 0.0.0.0:${this.#port}?`,
          { cause: error, pod: this.where, output: await this.logs() },
        );
      }
      throw error;
    }
  }

  /**
   * Resolves with the runtime's error once the pod ends or is deleted while leased (`exited`, or
   * `run_timeout` for `DeadlineExceeded`); port-forward drops are reported through `onDrop`. Stops
   * watching on {@link remove}.
   */
  watchEnd(
    onDrop: (error: KubernetesRuntimeError) => void,
  ): Promise<KubernetesRuntimeError | undefined> {
    this.#onDrop = onDrop;
    let ended: V1Pod | undefined | null = null;
    return followPod(
      this.#client,
      this.name,
      this.#version,
      (pod) => {
        if (pod && !hasEnded(pod)) return 'continue';
        ended = pod;
        return 'stop';
      },
      this.#stop.signal,
    ).then(
      async () => {
        if (ended === null || this.#removing) return undefined;
        const pod = ended as V1Pod | undefined;
        const deadline = pod?.status?.reason === 'DeadlineExceeded';
        return new KubernetesRuntimeError(
          deadline ? 'run_timeout' : 'exited',
          deadline
            ? `pod ${this.where} of '${this.image}' exceeded limits.run_timeout_s (activeDeadlineSeconds) and was stopped`
            : `pod ${this.where} of '${this.image}' ${pod ? `ended while leased: ${describePod(pod)}` : 'was deleted while leased'}`,
          { phase: 'running', pod: this.where, output: await this.logs() },
        );
      },
      () => undefined,
    );
  }

  /** The pod as the API server has it now; undefined when it is gone or cannot be read. */
  async #readQuietly(): Promise<V1Pod | undefined> {
    try {
      return await readPod(this.#client, this.name);
    } catch {
      return undefined;
    }
  }

  /** The pod's last `lines` log lines; `''` when it has none or is gone. */
  async logs(lines: number = LOG_TAIL_LINES): Promise<string> {
    try {
      const text = await this.#client.core.readNamespacedPodLog({
        name: this.name,
        namespace: this.#client.namespace,
        container: CONTAINER_NAME,
        tailLines: lines,
      });
      return String(text ?? '').replace(/\n$/, '');
    } catch {
      return '';
    }
  }

  /**
   * Deletes the pod (grace period 0) and closes its port-forward listener. Idempotent: a pod already gone
   * (404) counts as deleted; 429/5xx retried.
   * @throws KubernetesRuntimeError `delete_failed`, `api_unavailable`.
   */
  remove(): Promise<void> {
    this.#removing ??= (async () => {
      this.#stop.abort();
      await this.#listener?.close();
      try {
        await this.#client.call('delete pod', () =>
          this.#client.core.deleteNamespacedPod({
            name: this.name,
            namespace: this.#client.namespace,
            gracePeriodSeconds: 0,
          }),
        );
      } catch (error) {
        if (statusOf(error) === 404) return;
        if (KubernetesRuntimeError.isInstance(error)) throw error;
        throw new KubernetesRuntimeError(
          'delete_failed',
          `could not delete pod ${this.where}: ${apiMessage(error)}`,
          { cause: error, phase: 'teardown', pod: this.where },
        );
      }
    })();
    return this.#removing;
  }

  /** Whether {@link remove} was called. */
  get removing(): boolean {
    return this.#removing !== undefined;
  }

  async #endedEarly(error: EndedEarly): Promise<KubernetesRuntimeError> {
    const { pod, fatal } = error;
    const code = pod ? exitCode(pod) : undefined;
    const message = fatal
      ? `pod ${this.where} of '${this.image}' cannot start its container: ${fatal}`
      : pod
        ? `pod ${this.where} of '${this.image}' ended before its control port answered${code !== undefined ? ` (exit code ${code})` : ''}: ${describePod(pod)}`
        : `pod ${this.where} of '${this.image}' was deleted before it was ready`;
    return new KubernetesRuntimeError('exited_early', message, {
      pod: this.where,
      output: await this.logs(),
    });
  }
}

/** Thrown from a watch callback: the pod ended (or cannot start) before it was ready. */
class EndedEarly extends Error {
  constructor(
    readonly pod: V1Pod | undefined,
    readonly fatal?: string,
  ) {
    super('pod ended early');
  }
}
