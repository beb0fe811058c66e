import { setTimeout as sleep } from 'node:timers/promises';
import { HudRuntimeError } from './errors.js';
import { type SessionApi, sessionRequest } from './session-api.js';

/** How often a starting session's status is read, ms. */
const POLL_MS = 200;

/**
 * Waits until session `id` is ready by reading `GET /runtime/sessions/{id}` (a hud-ts gateway answers
 * `{status: queued|starting|ready|ended, error}`) while it says `queued` or `starting`. Returns at once
 * when the runtime has no such route (404/405 on the first read) or answers anything else: the client's
 * readiness loop then waits, as with hud-python.
 * @throws HudRuntimeError `session_ended` with the session's `error` (the worker could not start the
 *   environment); `not_ready` after `timeoutMs`; another read failure as {@link sessionRequest} throws;
 *   `signal.reason` on abort.
 */
export async function waitReady(
  api: SessionApi,
  id: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const route = `/runtime/sessions/${encodeURIComponent(id)}`;
  for (let first = true; ; first = false) {
    signal?.throwIfAborted();
    let view: { status?: unknown; error?: unknown } | undefined;
    try {
      view = (await sessionRequest(api, 'GET', route, signal ? { signal } : {})) as typeof view;
    } catch (error) {
      const status = HudRuntimeError.isInstance(error) ? error.status : undefined;
      if (first && (status === 404 || status === 405)) return;
      throw error;
    }
    // Only hud-ts's own states are waited on: any other answer (another server's shape) lets the
    // client's readiness loop decide.
    if (view?.status !== 'queued' && view?.status !== 'starting' && view?.status !== 'ended')
      return;
    if (view.status === 'ended') {
      throw new HudRuntimeError(
        'session_ended',
        `hosted session ${id} ended before it was ready: ${String(view.error ?? 'no reason given')}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new HudRuntimeError(
        'not_ready',
        `hosted session ${id} at ${api.runtimeUrl} was not ready within ${timeoutMs / 1000} s (status ${view.status}: no worker serving its environment?)`,
      );
    }
    await sleep(POLL_MS, undefined, signal ? { signal } : {});
  }
}
