import { parseBindingUrl } from '../binding-url.js';
import { HudError } from '../errors.js';
import {
  type ProtocolClient,
  type ProtocolClientContext,
  registerProtocolClient,
} from '../protocol-clients.js';
import type { JsonObject } from '../schemas.js';
import { CdpError } from './cdp-error.js';
import { asConnectionError } from './mcp-connection-error.js';

/** The binding fields {@link CdpClient.connect} reads (a `hello` binding or an env-side capability record). */
export interface CdpBinding {
  readonly name: string;
  readonly protocol: string;
  readonly url: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** A handler of CDP events: the event's params and, for flattened child sessions, its session id. */
export type CdpEventHandler = (params: JsonObject, sessionId: string | undefined) => void;

/** Options of {@link CdpClient.waitForEvent}. */
export interface CdpWaitOptions {
  /** Only an event whose params pass this resolves the wait. */
  predicate?: (params: JsonObject, sessionId: string | undefined) => boolean;
  /** Rejects with HudError `timeout` after this long, ms (default 30 000). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The part of chrome-remote-interface's client this module uses. */
interface RawCdp {
  send(method: string, params?: object, sessionId?: string): Promise<object>;
  on(event: 'event', listener: (message: RawEvent) => void): void;
  on(event: 'disconnect', listener: () => void): void;
  close(): Promise<void>;
}

interface RawEvent {
  method: string;
  params?: JsonObject;
  sessionId?: string;
}

/** A DevTools target as `GET /json` lists it. */
interface TargetInfo {
  id?: unknown;
  type?: unknown;
  webSocketDebuggerUrl?: unknown;
}

/**
 * The agent-side client of a `cdp/1.3` capability (hud-python `CDPClient`, spec §3.4), on
 * chrome-remote-interface (loaded on first connect). It attaches to one page target: the binding URL when
 * it names a `/devtools/` endpoint, else the binding's `params.target_id`, else the first page target of
 * `GET /json`, else a new `about:blank` page (`PUT /json/new`). Unlike hud-python it also delivers events.
 *
 * Works through the control channel's forwarders: the WebSocket URL is always rebuilt on the binding's own
 * host and port, never taken from the browser's answer (which names the browser's real port).
 * @example
 * const browser = await client.open<CdpClient>('browser');
 * await browser.send('Page.navigate', { url: 'http://127.0.0.1:8080/' });
 * const { result } = await browser.send('Runtime.evaluate', { expression: 'document.title', returnByValue: true });
 */
export class CdpClient implements ProtocolClient, AsyncDisposable {
  /** The binding this client is connected to. */
  readonly binding: CdpBinding;
  /** The page target it is attached to (undefined when the binding named a non-page endpoint). */
  readonly targetId: string | undefined;
  /** The WebSocket URL it is connected to. */
  readonly webSocketUrl: string;
  readonly #raw: RawCdp;
  readonly #handlers = new Map<string, Set<CdpEventHandler>>();
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(binding: CdpBinding, raw: RawCdp, target: ResolvedTarget) {
    this.binding = binding;
    this.#raw = raw;
    this.targetId = target.targetId;
    this.webSocketUrl = target.webSocketUrl;
    raw.on('event', (message) => {
      const handlers = this.#handlers.get(message.method);
      if (!handlers) return;
      for (const handler of [...handlers]) handler(message.params ?? {}, message.sessionId);
    });
    raw.on('disconnect', () => {
      this.#closed = true;
    });
  }

  /**
   * Picks the page target, connects its WebSocket and enables the `Page`, `Runtime` and `DOM` domains (as
   * hud-python does; skipped for a non-page endpoint, which has none of them).
   * @throws HudError `connection_failed` when the browser cannot be reached (retried by `HudClient.open`),
   *   `invalid_argument` for a URL that is neither http(s) nor ws(s); CdpError when enabling a domain fails.
   */
  static async connect(
    binding: CdpBinding,
    _context: ProtocolClientContext = {},
  ): Promise<CdpClient> {
    const target = await resolveTarget(binding);
    const { default: connect } = await import('chrome-remote-interface');
    let raw: RawCdp;
    try {
      // `local`: use the bundled protocol descriptor instead of fetching /json/protocol.
      raw = (await connect({ target: target.webSocketUrl, local: true })) as unknown as RawCdp;
    } catch (error) {
      throw asConnectionError(error, `CDP capability '${binding.name}' at ${target.webSocketUrl}`);
    }
    const client = new CdpClient(binding, raw, target);
    if (target.targetId !== undefined) {
      try {
        for (const domain of ['Page', 'Runtime', 'DOM']) await client.send(`${domain}.enable`);
      } catch (error) {
        await client.close();
        throw error;
      }
    }
    return client;
  }

  /** False once the WebSocket closed (by {@link CdpClient.close} or the browser going away). */
  get connected(): boolean {
    return !this.#closed;
  }

  /**
   * Sends a CDP command and resolves with its result (`{}` when it has none).
   * @param sessionId a flattened child session (from `Target.attachToTarget` with `flatten: true`).
   * @throws CdpError for an error reply; HudError `connection_closed` when the connection is gone.
   */
  async send<Result extends object = JsonObject>(
    method: string,
    params: object = {},
    sessionId?: string,
  ): Promise<Result> {
    if (this.#closed) {
      throw new HudError('connection_closed', `CDP connection '${this.binding.name}' is closed`);
    }
    try {
      return (await this.#raw.send(method, params, sessionId)) as Result;
    } catch (error) {
      const reply = (error as { response?: { code?: unknown; message?: unknown; data?: unknown } })
        .response;
      if (reply && typeof reply.code === 'number' && typeof reply.message === 'string') {
        const data = typeof reply.data === 'string' ? reply.data : undefined;
        throw new CdpError(method, { code: reply.code, message: reply.message, data });
      }
      throw new HudError(
        'connection_closed',
        `CDP ${method} on '${this.binding.name}': ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * Calls `handler` for every `event` (e.g. `Page.loadEventFired`) until the returned function is called.
   * Events of a domain arrive only once it is enabled (`Page`, `Runtime` and `DOM` are).
   */
  on(event: string, handler: CdpEventHandler): () => void {
    let handlers = this.#handlers.get(event);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(event, handlers);
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.#handlers.delete(event);
    };
  }

  /**
   * The params of the next `event` (passing `predicate`). Subscribe before triggering it:
   * `const loaded = cdp.waitForEvent('Page.loadEventFired'); await cdp.send('Page.navigate', …); await loaded;`
   * @throws HudError `timeout`; `signal.reason` on abort.
   */
  waitForEvent(event: string, options: CdpWaitOptions = {}): Promise<JsonObject> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const { signal } = options;
    return new Promise<JsonObject>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const finish = (settle: () => void) => {
        off();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      const off = this.on(event, (params, sessionId) => {
        if (options.predicate && !options.predicate(params, sessionId)) return;
        finish(() => resolve(params));
      });
      const timer = setTimeout(
        () =>
          finish(() => reject(new HudError('timeout', `no CDP ${event} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const onAbort = () => finish(() => reject(signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Closes the WebSocket (the browser and its page stay up). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#handlers.clear();
      if (!this.#closed) await this.#raw.close().catch(() => {});
      this.#closed = true;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

interface ResolvedTarget {
  webSocketUrl: string;
  targetId: string | undefined;
}

/** hud-python `CDPClient.connect`'s target choice, with URLs rebuilt on the binding's host:port. */
async function resolveTarget(binding: CdpBinding): Promise<ResolvedTarget> {
  const url = parseBindingUrl(binding, 'CDP');
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new HudError(
      'invalid_argument',
      `CDP capability '${binding.name}': expected an http(s) or ws(s) url, got ${binding.url}`,
    );
  }
  const wsBase = `${secure ? 'wss' : 'ws'}://${url.host}`;
  const httpBase = `${secure ? 'https' : 'http'}://${url.host}`;
  if (url.pathname.includes('/devtools/')) {
    const page = /\/devtools\/page\/([^/?#]+)/.exec(url.pathname)?.[1];
    return { webSocketUrl: `${wsBase}${url.pathname}${url.search}`, targetId: page };
  }
  const pageUrl = (id: string) => ({
    webSocketUrl: `${wsBase}/devtools/page/${encodeURIComponent(id)}`,
    targetId: id,
  });
  const targetId = binding.params?.target_id;
  if (typeof targetId === 'string' && targetId !== '') return pageUrl(targetId);
  const targets = (await getJson(binding, `${httpBase}/json`)) as TargetInfo[];
  const page = Array.isArray(targets)
    ? targets.find(
        (target) =>
          target.type === 'page' &&
          typeof target.id === 'string' &&
          typeof target.webSocketDebuggerUrl === 'string',
      )
    : undefined;
  if (page) return pageUrl(page.id as string);
  const created = (await getJson(binding, `${httpBase}/json/new?about:blank`, 'PUT')) as TargetInfo;
  if (typeof created?.id !== 'string') {
    throw new HudError(
      'connection_failed',
      `CDP capability '${binding.name}': the browser created no page target`,
    );
  }
  return pageUrl(created.id);
}

async function getJson(binding: CdpBinding, url: string, method = 'GET'): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { method, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw asConnectionError(error, `CDP capability '${binding.name}' at ${url}`);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new HudError(
      'connection_failed',
      `CDP capability '${binding.name}': ${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HudError(
      'connection_failed',
      `CDP capability '${binding.name}': ${method} ${url} did not answer JSON`,
      { cause },
    );
  }
}

// `HudClient.open` on any `cdp/*` binding (hud-python registers `cdp/1.3`).
registerProtocolClient('cdp', (binding, context) => CdpClient.connect(binding, context));
