/**
 * The worker side of hosted runtime sessions (`hud eval … --runtime hud`, hud-python's `HUDRuntime`):
 * claims sessions from the gateway and serves each from a substrate of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@hud/environment';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import {
  type ClaimedSession,
  postJson,
  type SessionGateway,
  serveSession,
} from './sessions-session.js';
import { sessionSubstrates } from './sessions-substrate.js';

/** Options of {@link serveSessions}. */
export interface ServeSessionsOptions {
  /** The gateway's base URL (http or https). */
  gatewayUrl: string;
  /** The worker's HUD key: serves its team's sessions, or every team's for an admin key of the first team. */
  apiKey: string;
  /** The id the gateway shows for this worker. */
  workerId: string;
  /** Sessions served at once (each holds a substrate for its whole life). */
  capacity: number;
  /** `docker`: the environment's deployed image; `local`: the env file of `cwd` declaring it. */
  runtime: 'docker' | 'local';
  /** The worker's directory (env files for `local`). */
  cwd: string;
  /** Aborting stops claiming, tears every session's substrate down, and resolves. */
  signal: AbortSignal;
  /** One line per event (claimed, ready, ended, failures); never the key. */
  log: (line: string) => void;
  /** Limit on a substrate becoming ready, ms (the runtime's default otherwise). */
  readyTimeoutMs?: number;
  /** The runtimes' warnings and debug lines. */
  logger?: Logger;
  /** How long one claim long-polls, seconds (default 20, the gateway's most). */
  claimWaitS?: number;
}

/** The wait after a failed claim before the next, ms (doubling up to 30 s). */
const RETRY_MS = 1_000;

function claimedSessions(reply: unknown): ClaimedSession[] {
  const sessions = (reply as { sessions?: unknown } | undefined)?.sessions;
  if (!Array.isArray(sessions)) throw new Error(`the claim answer has no sessions list`);
  return sessions.filter(
    (item): item is ClaimedSession =>
      typeof item?.session_id === 'string' && typeof item?.environment?.name === 'string',
  );
}

/**
 * Serves hosted runtime sessions until `signal` aborts: long-polls `POST /v2/workers/sessions/claim`
 * `{worker_id, capacity, wait_s}` for as many sessions as it has room for, serves each claimed session
 * (control WebSocket, substrate, `ready`/`failed`, one bridged connection per client tunnel; see the
 * gateway's worker routes), and tears a session's substrate down when the gateway ends it (client
 * `DELETE`, idleness), when the substrate dies, or when `signal` aborts. A claim that fails (gateway
 * restarting, unreachable) is retried with backoff and logged once per failure streak.
 * Resolves once every substrate is gone.
 * @throws MissingPackageError when `runtime: 'docker'` needs `@hud/runtimes-docker` and it is not installed.
 * @example
 * await serveSessions({ gatewayUrl, apiKey, workerId: 'w1', capacity: 4, runtime: 'local',
 *   cwd: process.cwd(), signal: controller.signal, log: console.error });
 */
export async function serveSessions(options: ServeSessionsOptions): Promise<void> {
  const gateway: SessionGateway = {
    url: options.gatewayUrl.replace(/\/+$/, ''),
    apiKey: options.apiKey,
  };
  const substrates = await sessionSubstrates({
    runtime: options.runtime,
    cwd: options.cwd,
    fallbacks: hudModuleFallbacks(),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const running = new Set<Promise<void>>();
  let slotFreed: () => void = () => {};
  let retryMs = RETRY_MS;
  let troubled = false;
  const { signal } = options;
  try {
    while (!signal.aborted) {
      const room = options.capacity - running.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => {
          slotFreed = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        continue;
      }
      let sessions: ClaimedSession[];
      try {
        sessions = claimedSessions(
          await postJson(
            gateway,
            '/v2/workers/sessions/claim',
            { worker_id: options.workerId, capacity: room, wait_s: options.claimWaitS ?? 20 },
            signal,
          ),
        );
        if (troubled) options.log('claiming sessions works again');
        troubled = false;
        retryMs = RETRY_MS;
      } catch (error) {
        if (signal.aborted) break;
        if (!troubled) {
          const message = error instanceof Error ? error.message : String(error);
          options.log(`claiming sessions failed: ${message} (retrying with backoff)`);
        }
        troubled = true;
        await sleep(retryMs, undefined, { signal }).catch(() => {});
        retryMs = Math.min(retryMs * 2, 30_000);
        continue;
      }
      for (const session of sessions) {
        options.log(
          `session ${session.session_id}: claimed for environment '${session.environment.name}'`,
        );
        const served = serveSession({
          gateway,
          session,
          substrates,
          signal,
          log: options.log,
        }).finally(() => {
          running.delete(served);
          slotFreed();
        });
        running.add(served);
      }
    }
  } finally {
    await Promise.allSettled([...running]);
    await substrates.close();
  }
}
