import type { HudLogger, ProvideOptions, RuntimeLease, TaskRow } from '@hud/protocol';
import { HudRuntimeError } from './errors.js';
import { checkRuntimeConfig } from './runtime-config.js';
import { type SessionApi, sessionRequest } from './session-api.js';
import { listenTunnels } from './tunnel-listener.js';
import { waitReady } from './wait-ready.js';

/** Options of {@link HudRuntime}. */
export interface HudRuntimeOptions {
  /** The HUD API key (`HUD_API_KEY`; the CLI passes it, this package reads no environment variable). */
  apiKey: string;
  /**
   * Where sessions are created (`HUD_RUNTIME_URL`, default `https://mcp.hud.ai`; a self-hosted gateway's
   * URL). http(s); tunnels use ws(s) at the same place.
   */
  runtimeUrl?: string;
  /** `params.ready_timeout` of each lease in seconds: how long the client waits for the environment (300). */
  readyTimeoutS?: number;
  /** Trace id to send with a task's session (`trace_id`), when the caller knows it. */
  traceIdOf?: (task: TaskRow) => string | undefined;
  /** Where the once-per-provider warning about ignored resources goes (default: nowhere). */
  logger?: HudLogger;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** A lease of a hosted session: `tcp://127.0.0.1:<port>` tunnelled to the substrate's control port. */
export interface HudLease extends RuntimeLease {
  /** The session's id at the runtime URL. */
  readonly sessionId: string;
}

/** The hosted runtime provider (hud-python `HUDRuntime`). Close it (or `await using`) when done. */
export interface HudProvider extends AsyncDisposable {
  /**
   * Creates a session for `task.env` and leases a local port tunnelled to it.
   * @throws HudRuntimeError `unsupported` (GPU/OS/TPU/limits in `runtime_config`), `unauthorized`,
   *   `not_found`, `unavailable`, `bad_response` (naming the URL), `session_ended` (with the worker's
   *   reason), `not_ready`, `closed`; `signal.reason` on abort (a
   *   session created meanwhile is deleted).
   */
  (task: TaskRow, options?: ProvideOptions): Promise<HudLease>;
  /** The runtime URL in use. */
  readonly runtimeUrl: string;
  /** Sessions leased and not yet released. */
  readonly leased: number;
  /** Releases every lease still held (their sessions are deleted) and refuses new ones. Idempotent. */
  close(): Promise<void>;
}

/** hud-python's default `HUD_RUNTIME_URL`. */
export const DEFAULT_RUNTIME_URL = 'https://mcp.hud.ai';

function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HudRuntimeError('invalid_argument', `runtimeUrl is not a URL: '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HudRuntimeError('invalid_argument', `runtimeUrl must be http(s), got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Environments served by a HUD runtime gateway's workers (hud-python 0.6.16 `HUDRuntime`, spec §6.2): each
 * acquisition `POST {runtimeUrl}/runtime/sessions {"environment": task.env, "trace_id"?}` (Bearer key) →
 * `{"id"}`, opens a listener on `127.0.0.1:0` whose every accepted connection is tunnelled over its own
 * WebSocket `ws(s)://…/runtime/tunnels/{id}` (Bearer header; binary frames = raw bytes), and leases
 * `tcp://127.0.0.1:<port>` with params `{session_id, gateway_url, ready_timeout: 300}`. Where the runtime
 * answers `GET /runtime/sessions/{id}` (a hud-ts gateway), the lease is handed out once the session is ready,
 * and a session that ends first (the worker could not start the environment) fails the acquisition with the
 * worker's reason instead of leaving the client retrying for `ready_timeout`; elsewhere the client's own
 * readiness loop waits, as in hud-python. Releasing closes the listener and its tunnels and sends
 * `DELETE /runtime/sessions/{id}` (once; a 404 there means already gone). The lease's `signal` aborts
 * when the gateway ends the session while leased (its worker failed or was lost).
 * @throws HudRuntimeError `invalid_argument` for a missing key or a bad URL.
 * @example
 * await using provider = HudRuntime({ apiKey, runtimeUrl: 'http://127.0.0.1:7600' });
 * await using runtime = await provider(task);
 * await using client = await HudClient.connect(runtime);
 */
export function HudRuntime(options: HudRuntimeOptions): HudProvider {
  if (!options.apiKey?.trim()) {
    throw new HudRuntimeError(
      'invalid_argument',
      'the hosted runtime needs an API key (HUD_API_KEY)',
    );
  }
  const api: SessionApi = {
    runtimeUrl: normalizeUrl(options.runtimeUrl ?? DEFAULT_RUNTIME_URL),
    apiKey: options.apiKey.trim(),
    fetch: options.fetch ?? fetch,
  };
  const readyTimeout = options.readyTimeoutS ?? 300;
  const leases = new Set<HudLease>();
  let closed = false;
  let warned = false;

  const acquire = async (task: TaskRow, provide: ProvideOptions = {}): Promise<HudLease> => {
    if (closed) throw new HudRuntimeError('closed', 'the hosted runtime provider was closed');
    provide.signal?.throwIfAborted();
    const ignored = checkRuntimeConfig(task);
    if (ignored.length > 0 && !warned) {
      warned = true;
      options.logger?.warn(
        `the hosted runtime ignores runtime_config resources ${ignored.join(', ')} (task '${task.slug}' and any others)`,
      );
    }
    const traceId = options.traceIdOf?.(task) ?? asUuid(provide.traceId);
    const created = await sessionRequest(api, 'POST', '/runtime/sessions', {
      body: { environment: task.env, ...(traceId ? { trace_id: traceId } : {}) },
      ...(provide.signal ? { signal: provide.signal } : {}),
    });
    const id = (created as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || !id) {
      throw new HudRuntimeError(
        'bad_response',
        `POST ${api.runtimeUrl}/runtime/sessions answered without a session id: ${JSON.stringify(created)?.slice(0, 200)}`,
      );
    }
    const sessionPath = `/runtime/sessions/${encodeURIComponent(id)}`;
    const remove = async () => {
      try {
        await sessionRequest(api, 'DELETE', sessionPath);
      } catch (error) {
        if (!(HudRuntimeError.isInstance(error) && error.code === 'not_found')) throw error;
      }
    };
    const ended = new AbortController();
    let listener: Awaited<ReturnType<typeof listenTunnels>>;
    try {
      await waitReady(api, id, readyTimeout * 1000, provide.signal);
      listener = await listenTunnels({
        tunnelUrl: `${api.runtimeUrl.replace(/^http/, 'ws')}/runtime/tunnels/${encodeURIComponent(id)}`,
        apiKey: api.apiKey,
        onSessionEnded: (reason) => {
          if (!ended.signal.aborted) {
            ended.abort(new HudRuntimeError('session_ended', `hosted session ${id}: ${reason}`));
          }
        },
      });
    } catch (error) {
      await remove().catch(() => {});
      throw error;
    }
    let releasing: Promise<void> | undefined;
    const lease: HudLease = {
      url: `tcp://127.0.0.1:${listener.port}`,
      params: { session_id: id, gateway_url: api.runtimeUrl, ready_timeout: readyTimeout },
      sessionId: id,
      signal: ended.signal,
      [Symbol.asyncDispose]() {
        releasing ??= (async () => {
          leases.delete(lease);
          await listener.close();
          await remove();
        })();
        return releasing;
      },
    };
    leases.add(lease);
    return lease;
  };

  const close = async () => {
    closed = true;
    const results = await Promise.allSettled(
      [...leases].map((lease) => lease[Symbol.asyncDispose]()),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  };
  return Object.defineProperties(acquire, {
    runtimeUrl: { value: api.runtimeUrl, enumerable: true },
    leased: { get: () => leases.size, enumerable: true },
    close: { value: close },
    [Symbol.asyncDispose]: { value: close },
  }) as HudProvider;
}

/** A 32-hex trace id as the dashed UUID text hud-python sends (`str(uuid)`); other text as it is. */
function asUuid(traceId: string | undefined): string | undefined {
  if (traceId === undefined || !/^[0-9a-f]{32}$/i.test(traceId)) return traceId;
  const hex = traceId.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
