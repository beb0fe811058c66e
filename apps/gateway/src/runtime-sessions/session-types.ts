/** Timing of runtime sessions (`--runtime hud`, hud-python's `HUDRuntime`), in milliseconds. */
export interface RuntimeSessionOptions {
  /**
   * How long a tunnel opened before its session is ready waits for the worker's `ready` (default 300,000:
   * hud-python's `ready_timeout` for this runtime is 300 s). The tunnel then closes with 1011.
   */
  readyTimeoutMs: number;
  /** How long the worker has to open the connection WebSocket a tunnel asked for (default 30,000). */
  connectTimeoutMs: number;
  /** How long a claiming worker has to open the session's control WebSocket (default 30,000). */
  controlTimeoutMs: number;
  /**
   * A session with no tunnel open for this long ends (default 600,000), so a client that died without
   * `DELETE` does not keep a substrate running forever.
   */
  idleTimeoutMs: number;
  /** How often the control WebSocket is pinged; a worker missing two pongs is lost (default 15,000). */
  pingIntervalMs: number;
}

/** The defaults of {@link RuntimeSessionOptions}. */
export const DEFAULT_RUNTIME_SESSION_OPTIONS: RuntimeSessionOptions = {
  readyTimeoutMs: 300_000,
  connectTimeoutMs: 30_000,
  controlTimeoutMs: 30_000,
  idleTimeoutMs: 600_000,
  pingIntervalMs: 15_000,
};

/**
 * Where a session is: waiting for a worker (`queued`), claimed and its substrate starting (`starting`),
 * serving tunnels (`ready`), or over (`ended`: deleted, failed, idle, or its worker lost; `error` says why).
 */
export type RuntimeSessionStatus = 'queued' | 'starting' | 'ready' | 'ended';

/**
 * A session as `GET /runtime/sessions[/{id}]` shows it: `id` (32 hex), the environment name, the trace it
 * was created for, status, why it ended (`error`, null while live), the serving worker's id, the open
 * tunnels, and ISO-8601 times.
 */
export interface RuntimeSessionView {
  id: string;
  environment: string;
  trace_id: string | null;
  status: RuntimeSessionStatus;
  error: string | null;
  worker_id: string | null;
  connections: number;
  created_at: string;
  ended_at: string | null;
}

/**
 * A claimed session as `POST /v2/workers/sessions/claim` hands it to a worker: the environment's name and
 * its latest deployed image (null when never deployed: a `local` worker serves it from an env file).
 */
export interface ClaimedSession {
  session_id: string;
  team_id: string;
  environment: { name: string; image: string | null };
  trace_id: string | null;
}
