/**
 * `hud eval … --runtime hud`: a hosted session waits for a `hud worker` to claim and start it, up to the
 * ready timeout (300 s by default). {@link announceSessionWaits} tells the user what the rollout waits for
 * instead of leaving it silently at "provisioning".
 */
import type { Provider, TaskRow } from '@hud/protocol';

/** The first notice comes after this long without a ready session, ms (sooner under a short ready timeout). */
export const SESSION_WAIT_NOTICE_MS = 5_000;

/** A session of `GET /runtime/sessions` (a hud-ts gateway's view; other fields ignored). */
interface SessionView {
  environment?: unknown;
  status?: unknown;
  worker_id?: unknown;
}

/** Options of {@link announceSessionWaits}. */
export interface SessionWaitOptions {
  /** The runtime gateway's base URL (`HUD_RUNTIME_URL`, else `HUD_API_URL`). */
  runtimeUrl: string;
  /** `HUD_API_KEY`: lists the team's sessions; never part of a line. */
  apiKey: string;
  /** How long an acquisition may wait for its worker before the rollout gives up, ms. */
  readyTimeoutMs: number;
  /** Writes one notice (a warning line). */
  warn(line: string): void;
  /** After this long without a ready session, the notice, ms (default {@link SESSION_WAIT_NOTICE_MS}). */
  noticeMs?: number;
  fetch?: typeof fetch;
}

/**
 * The statuses of the team's live sessions of environment `env` (`queued`: no worker claimed it yet;
 * `starting`: a worker is starting its substrate), from `GET {runtimeUrl}/runtime/sessions`; empty when
 * the gateway cannot say.
 */
async function sessionStatuses(options: SessionWaitOptions, env: string): Promise<string[]> {
  try {
    const response = await (options.fetch ?? fetch)(
      `${options.runtimeUrl.replace(/\/+$/, '')}/runtime/sessions`,
      {
        headers: { authorization: `Bearer ${options.apiKey}` },
        signal: AbortSignal.timeout(5_000),
      },
    );
    if (!response.ok) return [];
    const body = (await response.json()) as { sessions?: SessionView[] };
    return (body.sessions ?? [])
      .filter((session) => session.environment === env && typeof session.status === 'string')
      .map((session) => session.status as string);
  } catch {
    return [];
  }
}

/**
 * `provider` whose acquisitions, when one is not ready after `noticeMs` (at most half the ready timeout),
 * write one notice per environment and state: that the session is queued with no worker to claim it (and
 * how to start one), or that a worker is still starting it, with how long the rollout will wait. Nothing
 * else changes: the lease, the error and the abort are `provider`'s.
 * @example
 * const provider = announceSessionWaits(HudRuntime({ apiKey, runtimeUrl }), {
 *   runtimeUrl, apiKey, readyTimeoutMs: 300_000, warn: logger.warn });
 */
export function announceSessionWaits(provider: Provider, options: SessionWaitOptions): Provider {
  const said = new Set<string>();
  const delay = Math.min(options.noticeMs ?? SESSION_WAIT_NOTICE_MS, options.readyTimeoutMs / 2);
  const limit = `${Math.round(options.readyTimeoutMs / 1000)} s`;
  const notice = async (task: TaskRow, waitedMs: number, done: () => boolean) => {
    const statuses = await sessionStatuses(options, task.env);
    if (done()) return;
    const waited = `${Math.round(waitedMs / 1000)} s`;
    const state = statuses.includes('queued')
      ? 'queued'
      : statuses.includes('starting')
        ? 'starting'
        : 'unknown';
    const key = `${task.env}\u0000${state}`;
    if (said.has(key)) return;
    said.add(key);
    if (state === 'starting') {
      options.warn(
        `environment '${task.env}': a worker is still starting it after ${waited} (the rollout waits up to ${limit}; --ready-timeout changes that)`,
      );
      return;
    }
    const which = state === 'queued' ? 'no worker has claimed its session' : 'not ready';
    options.warn(
      `environment '${task.env}': ${which} after ${waited}: waiting for a hud worker on ${options.runtimeUrl} (start one with HUD_API_URL=${options.runtimeUrl} and HUD_API_KEY a key of this team or an admin key of the gateway's first team: hud worker; it serves the deployed image, or an env file of its folder with --runtime local); the rollout gives up after ${limit}`,
    );
  };
  return async (task, provideOptions) => {
    const begin = performance.now();
    let finished = false;
    const timer = setTimeout(
      () => void notice(task, performance.now() - begin, () => finished),
      delay,
    );
    timer.unref();
    try {
      return await provider(task, provideOptions);
    } finally {
      finished = true;
      clearTimeout(timer);
    }
  };
}
