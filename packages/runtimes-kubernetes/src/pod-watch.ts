import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { retryable } from './client.js';
import { apiMessage, KubernetesRuntimeError, statusOf } from './errors.js';

/** What a {@link followPod} callback decides for each state of the pod: keep watching, or stop. */
export type Decision = 'continue' | 'stop';

/** Consecutive watch failures without a new event before {@link followPod} gives up. */
const MAX_QUIET_RESTARTS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows pod `name` through watch events (`GET …/pods?watch=true&fieldSelector=metadata.name=<name>`),
 * calling `onPod` with each state (`undefined` once the pod is deleted) until it returns `'stop'`. A
 * watch the server closes mid-stream is reopened from the last resourceVersion; a `410 Gone` (an `ERROR`
 * event or the HTTP status: the version is too old) re-reads the pod and watches from its current
 * version; a watch the client ended after its idle limit (no event for 30 s) is reopened at once; 429/5xx
 * and transport failures reopen after a backoff.
 * @param resourceVersion where to start (the version the pod was created or read at).
 * @throws KubernetesRuntimeError `api_unavailable` after {@link MAX_QUIET_RESTARTS} failures in a row;
 *   the API's 4xx refusal; what `onPod` throws; `signal.reason` on abort.
 * @internal
 */
export async function followPod(
  client: KubeClient,
  name: string,
  resourceVersion: string | undefined,
  onPod: (pod: V1Pod | undefined) => Decision,
  signal?: AbortSignal,
): Promise<void> {
  const { namespace } = client;
  let version = resourceVersion;
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    let stopped = false;
    let gone = false;
    let progressed = false;
    let thrown: { error: unknown } | undefined;
    let status: unknown;
    const ended = await new Promise<unknown>((resolve) => {
      let controller: AbortController | undefined;
      const finish = (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(error);
      };
      // The client does not always call `done` for a watch aborted from outside (it may only notice at
      // its idle limit): end this wait at once and let the abort close the request behind it.
      const onAbort = () => {
        controller?.abort();
        finish(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      client.watch
        .watch(
          `/api/v1/namespaces/${namespace}/pods`,
          {
            fieldSelector: `metadata.name=${name}`,
            resourceVersion: version,
            allowWatchBookmarks: true,
          },
          (type: string, object: unknown) => {
            if (stopped) return;
            if (type === 'ERROR') {
              if ((object as { code?: unknown })?.code === 410) gone = true;
              else status = object;
              controller?.abort();
              return;
            }
            const pod = object as V1Pod;
            version = pod.metadata?.resourceVersion ?? version;
            progressed = true;
            if (type === 'BOOKMARK') return;
            try {
              if (onPod(type === 'DELETED' ? undefined : pod) === 'stop') {
                stopped = true;
                controller?.abort();
              }
            } catch (error) {
              thrown = { error };
              stopped = true;
              controller?.abort();
            }
          },
          finish,
        )
        .then((created) => {
          controller = created;
          if (signal?.aborted || stopped || gone) created.abort();
        }, finish);
    });
    if (thrown) throw thrown.error;
    if (status !== undefined) {
      throw new KubernetesRuntimeError(
        'api_unavailable',
        `watching pod ${namespace}/${name}: the API server sent an error: ${apiMessage({ body: status })}`,
      );
    }
    if (stopped) return;
    signal?.throwIfAborted();
    if (gone || statusOf(ended) === 410) {
      // The version is too old: read the pod again and watch from where it is now.
      const pod = await readPod(client, name, signal);
      if (onPod(pod) === 'stop') return;
      version = pod?.metadata?.resourceVersion;
      if (!pod) return;
      continue;
    }
    // The client ends a watch that saw nothing for its idle limit (30 s): a quiet pod, not a failure.
    const idle = (ended as { name?: unknown } | null)?.name === 'TimeoutError';
    if (idle) {
      failures = 0;
      continue;
    }
    if (ended && !retryable(ended)) {
      throw new KubernetesRuntimeError(
        'api_unavailable',
        `watching pod ${namespace}/${name} failed: ${apiMessage(ended)}`,
        { cause: ended },
      );
    }
    failures = progressed ? 0 : failures + 1;
    if (failures > MAX_QUIET_RESTARTS) {
      throw new KubernetesRuntimeError(
        'api_unavailable',
        `watching pod ${namespace}/${name}: the watch ended ${failures} times in a row without an event${ended ? ` (${apiMessage(ended)})` : ''}`,
        { cause: ended },
      );
    }
    // Closed mid-stream (normal end, a dropped connection): reopen from the last version seen.
    if (failures > 0) await sleep(Math.min(5000, 100 * 2 ** failures));
  }
}

/**
 * The pod `name`, or undefined when it does not exist; 429/5xx retried.
 * @throws the API's other refusals; KubernetesRuntimeError `api_unavailable`.
 * @internal
 */
export async function readPod(
  client: KubeClient,
  name: string,
  signal?: AbortSignal,
): Promise<V1Pod | undefined> {
  try {
    return await client.call(
      `read pod ${name}`,
      () => client.core.readNamespacedPod({ name, namespace: client.namespace }),
      signal,
    );
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
