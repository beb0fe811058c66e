/**
 * Faults a {@link FakeKubeApiServer} injects, set (and changed) by the test while it runs. Counters count
 * down as the fault fires; `0`/`undefined` means off.
 */
export interface FakeKubeFaults {
  /** The next N pod creations answer `409 AlreadyExists`. */
  conflictOnCreate?: number;
  /** The next creations answer these HTTP statuses, in order (e.g. `[429, 503]`), before any succeeds. */
  createStatuses?: number[];
  /** Pod creations answer this much later, ms (the pod exists from the moment the request arrives). */
  createDelayMs?: number;
  /** Pods stay `Pending` (Unschedulable) and never get a container. */
  stuckPending?: boolean;
  /**
   * Containers run `sh -c 'echo <output>; exit <code>'` instead of the image's CMD: the pod ends
   * `Failed` (or `Succeeded` for code 0) before it is ready.
   */
  exitOnStart?: { code: number; output: string };
  /** The next `count` watches end (the response is closed) after `events` events. */
  closeWatch?: { count: number; events: number };
  /** The next N watches that name a resourceVersion answer an `ERROR` event with `410 Gone` (Expired). */
  goneWatches?: number;
  /**
   * Port-forward connections: the first `skip` pass; each of the next `count` is dropped (the WebSocket
   * terminated without a close frame) when the client writes again after the pod's first bytes reached
   * it (on hud's control channel: the first request after `hello`).
   */
  dropPortForward?: { skip: number; count: number };
}

/** Takes one from a counter fault; whether it fired. @internal */
export function take(faults: FakeKubeFaults, key: 'conflictOnCreate' | 'goneWatches'): boolean {
  const left = faults[key] ?? 0;
  if (left <= 0) return false;
  faults[key] = left - 1;
  return true;
}
