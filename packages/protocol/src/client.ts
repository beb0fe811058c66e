import type { Socket } from 'node:net';
import { resolveBinding } from './binding-resolve.js';
import { ClientChannel } from './client-channel.js';
import { Heartbeat } from './client-heartbeat.js';
import {
  type CallOptions,
  ClientDefaults,
  type ConnectOptions,
  HUD_PROTOCOL_VERSION,
  type HudClientOptions,
} from './client-options.js';
import { pyRepr } from './client-repr.js';
import { checkResult, parseResult } from './client-validate.js';
import { connectWhenReady } from './connect.js';
import { parseControlUrl, readyTimeoutMs } from './connect-url.js';
import { ErrorCode, HudError, ProtocolError } from './errors.js';
import { ForwarderSet } from './forwarder-set.js';
import { isObjectFrame, Method } from './jsonrpc.js';
import {
  connectProtocolClient,
  findProtocolClient,
  type ProtocolClient,
} from './protocol-clients.js';
import type { Runtime, RuntimeLease } from './runtime.js';
import {
  type Capability,
  GradeResult,
  HelloResult,
  type JsonObject,
  type TaskManifestEntry,
  TasksListResult,
  TasksSolveResult,
  TasksStartResult,
} from './schemas.js';

/**
 * What `hello` tells the client (hud-python `Manifest`): the session id, the environment's identity and
 * its capability bindings exactly as published (unrouted URLs; use {@link HudClient.binding} for routed ones).
 */
export interface Manifest {
  /** `sess-` + 8 hex chars; resume a parked session by passing it to `hello()` on a new connection. */
  readonly sessionId: string;
  /** Always `hud/1.0`: a client-side constant, never sent on the wire. */
  readonly protocolVersion: typeof HUD_PROTOCOL_VERSION;
  readonly env: { readonly name: string; readonly version: string };
  readonly bindings: readonly Capability[];
}

/**
 * The agent-side client of a served environment's control channel (hud-python 0.6.16 `HudClient`, spec §2):
 * `hello`, `tasks.list/start/grade/cancel`, `bye`, the hud-ts `tasks.solve` extension, capability routing
 * through loopback forwarders (`binding`) and live protocol clients (`open`). A grade with `done: false` and
 * a `prompt` (hud-ts multi-step extension) leaves the task running: answer the prompt with another `grade`.
 *
 * One call is outstanding at a time; concurrent calls queue in order. `close()` never sends `bye`, so a
 * started task stays parked on the server for a later connection to grade (by design, spec §2.4).
 * @example
 * await using client = await HudClient.connect('tcp://127.0.0.1:8765');
 * const { prompt } = await client.startTask('count', { text: 'banana', letter: 'a' });
 * const { score } = await client.grade({ answer: '3' });
 */
export class HudClient implements AsyncDisposable {
  readonly #channel: ClientChannel;
  readonly #options: HudClientOptions;
  readonly #forwarders: ForwarderSet | undefined;
  readonly #opened = new Map<string, Promise<ProtocolClient>>();
  #manifest: Manifest | undefined;
  #episodeBindings: Readonly<Record<string, JsonObject>> = {};
  #heartbeat: Heartbeat | undefined;
  #closing: Promise<void> | undefined;

  private constructor(socket: Socket, options: HudClientOptions) {
    this.#options = options;
    this.#channel = new ClientChannel(socket, { maxFrameBytes: options.maxFrameBytes });
    const { endpoint, maxFrameBytes, logger, token } = options;
    if (endpoint !== undefined) {
      this.#forwarders = new ForwarderSet({ endpoint, maxFrameBytes, logger, token });
    }
  }

  /**
   * Wraps an already connected socket (hud-python `HudClient(reader, writer, endpoint=...)`). Sends nothing:
   * call {@link HudClient.hello} yourself. Create the socket with `allowHalfOpen: true` to behave like
   * asyncio after the server's EOF.
   */
  static fromSocket(socket: Socket, options: HudClientOptions = {}): HudClient {
    return new HudClient(socket, options);
  }

  /**
   * Connects to a runtime's control channel and completes `hello`, retrying until the environment is ready
   * (spec §2.8): a refused connect, or EOF/reset during `hello` (a proxied port that accepts before the
   * server is up), waits `retryIntervalMs` and tries again until the deadline (`readyTimeoutMs`, default
   * 240 s; a runtime's `params.ready_timeout` in seconds overrides it). Then starts the heartbeat.
   * @param target a {@link Runtime} or its URL: `tcp://host:port`, `//host:port` or `host:port`.
   * @throws HudError `unsupported` for a non-tcp URL scheme; `invalid_argument` for a URL without a port or a
   *   bad `ready_timeout`; `not_ready` (naming the URL and the last error) when the deadline passes;
   *   ProtocolError when the server answers `hello` with an error (not retried); `signal.reason` on abort,
   *   and the lease's `signal.reason` when `target` is a {@link RuntimeLease} whose substrate dies meanwhile.
   */
  static async connect(target: Runtime | string, options: ConnectOptions = {}): Promise<HudClient> {
    const url = typeof target === 'string' ? target : target.url;
    const endpoint = parseControlUrl(url);
    const timeoutMs = readyTimeoutMs(
      typeof target === 'string' ? undefined : target.params,
      options.readyTimeoutMs ?? ClientDefaults.readyTimeoutMs,
    );
    const { logger, maxFrameBytes, token } = options;
    const signal = anySignal(options.signal, leaseSignal(target));
    const client = await connectWhenReady(
      {
        endpoint,
        url,
        timeoutMs,
        retryIntervalMs: options.retryIntervalMs ?? ClientDefaults.retryIntervalMs,
        signal,
        logger,
      },
      async (socket, remainingMs) => {
        const client = new HudClient(socket, { endpoint, maxFrameBytes, logger, token });
        const onAbort = () => void client.close();
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          await client.hello(undefined, { timeoutMs: remainingMs });
          return client;
        } catch (error) {
          await client.close();
          throw error;
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      },
    );
    const intervalMs = options.heartbeatIntervalMs ?? ClientDefaults.heartbeatIntervalMs;
    if (intervalMs > 0) {
      client.startHeartbeat({ intervalMs, timeoutMs: options.heartbeatTimeoutMs });
    }
    return client;
  }

  /** The manifest of the last successful `hello`, if any. */
  get manifest(): Manifest | undefined {
    return this.#manifest;
  }

  /**
   * Per-episode binding data of the last `tasks.start` (its `bindings` member, e.g.
   * `{robot: {token: 'slot-0-1a2b3c4d'}}`; spec §2.5); `{}` when it had none or failed.
   */
  get episodeBindings(): Readonly<Record<string, JsonObject>> {
    return this.#episodeBindings;
  }

  /**
   * Aborted when the control connection is lost (EOF, socket error, failed heartbeat, protocol violation) or
   * closed; `reason` is the HudError. Pass it to work that must stop with the connection (an agent loop).
   */
  get signal(): AbortSignal {
    return this.#channel.signal;
  }

  /**
   * Sends `hello` (with `{session_id}` to resume that parked session, spec §2.4), caches and returns the
   * manifest, and (with a control endpoint) starts or keeps a loopback forwarder per binding, closing those
   * of bindings that disappeared.
   * @throws ProtocolError from the server (-32600 unknown session / live connection, -32602); ProtocolError
   *   -32603 when the result is malformed (e.g. a binding without `url`, named in the message); the
   *   connection errors of {@link HudClient.call}.
   */
  async hello(sessionId?: string, options: CallOptions = {}): Promise<Manifest> {
    const params: JsonObject = sessionId === undefined ? {} : { session_id: sessionId };
    if (this.#options.token !== undefined) params.token = this.#options.token;
    const result = await this.#channel.call(Method.Hello, params, options);
    checkBindingUrls(result);
    const hello = parseResult(HelloResult, Method.Hello, result);
    const manifest: Manifest = {
      sessionId: hello.session_id,
      protocolVersion: HUD_PROTOCOL_VERSION,
      env: { name: hello.env.name, version: hello.env.version },
      bindings: hello.bindings,
    };
    this.#manifest = manifest;
    await this.#forwarders?.sync(manifest.bindings);
    return manifest;
  }

  /**
   * `tasks.list`: the manifest entry of every template (`{id, description, args, returns?}`).
   * @throws ProtocolError -32603 when the result is malformed; the errors of {@link HudClient.call}.
   */
  async listTasks(options: CallOptions = {}): Promise<TaskManifestEntry[]> {
    const result = await this.#channel.call(Method.TasksList, {}, options);
    return checkResult(TasksListResult, Method.TasksList, result).tasks;
  }

  /**
   * `tasks.start` with `{id, args}` (`args` is always sent, `{}` by default): cancels this session's previous
   * task and returns the template's first yield, `{prompt, bindings?, ...}`. Its `bindings` also become
   * {@link HudClient.episodeBindings}.
   * @throws ProtocolError -32602 (unknown task, bad `id`/`args` types), -32000 (bad args, template raised),
   *   -32603 (malformed result); the errors of {@link HudClient.call}.
   */
  async startTask(
    id: string,
    args: JsonObject = {},
    options: CallOptions = {},
  ): Promise<TasksStartResult> {
    this.#setEpisodeBindings({});
    const result = await this.#channel.call(Method.TasksStart, { id, args: args ?? {} }, options);
    const start = checkResult(TasksStartResult, Method.TasksStart, result);
    this.#setEpisodeBindings(start.bindings ?? {});
    return start;
  }

  /**
   * Replaces the per-episode bindings. A client {@link HudClient.open} made with the previous episode's data
   * (a robot's claim token) belongs to that episode: it is dropped from the cache and closed, so the next
   * `open` connects with the new episode's data instead of returning a client bound to the old one.
   */
  #setEpisodeBindings(next: Readonly<Record<string, JsonObject>>): void {
    const previous = this.#episodeBindings;
    this.#episodeBindings = next;
    for (const name of new Set([...Object.keys(previous), ...Object.keys(next)])) {
      if (previous[name] === next[name]) continue;
      const pending = this.#opened.get(name);
      if (pending === undefined) continue;
      this.#opened.delete(name);
      pending
        .then(
          (client) => client.close(),
          () => undefined,
        )
        .catch(() => {
          // A client that fails to close has nothing left to release.
        });
    }
  }

  /**
   * `tasks.grade` with `payload` as params (usually `{answer}`): grades this session's task, or adopts the
   * single parked one. Returns the grade, always with a numeric `score`.
   * @throws ProtocolError -32600 (no task in progress, several parked sessions), -32000 (template raised),
   *   -32603 (malformed result); the errors of {@link HudClient.call}.
   */
  async grade(payload: JsonObject, options: CallOptions = {}): Promise<GradeResult> {
    const result = await this.#channel.call(Method.TasksGrade, payload, options);
    return checkResult(GradeResult, Method.TasksGrade, result);
  }

  /** `tasks.cancel`: cancels this session's task, if any. @throws the errors of {@link HudClient.call}. */
  async cancel(options: CallOptions = {}): Promise<void> {
    this.#setEpisodeBindings({});
    await this.#channel.call(Method.TasksCancel, {}, options);
  }

  /**
   * `bye`: the server cancels this session's task (not parked), replies `{goodbye: true}` and closes the
   * connection. Not needed to finish a session; {@link HudClient.close} is the normal way out.
   */
  bye(options: CallOptions = {}): Promise<JsonObject> {
    return this.#channel.call(Method.Bye, {}, options);
  }

  /**
   * `tasks.solve` (hud-ts extension): runs the current task's reference solution in the environment and
   * returns `{answer, ...}`.
   * @throws HudError `unsupported` when the server does not know the method (-32601, e.g. a Python server);
   *   otherwise the errors of {@link HudClient.call}.
   */
  async solve(params: JsonObject = {}, options: CallOptions = {}): Promise<TasksSolveResult> {
    try {
      const result = await this.#channel.call(Method.TasksSolve, params, options);
      return checkResult(TasksSolveResult, Method.TasksSolve, result);
    } catch (error) {
      if (ProtocolError.isInstance(error) && error.code === ErrorCode.MethodNotFound) {
        throw new HudError(
          'unsupported',
          `the environment has no reference solutions: it does not implement tasks.solve (a hud-ts extension): ${error.rpcMessage}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Calls any method and returns its `result` object (hud-python `_call`).
   * @throws ProtocolError for an error frame (its code and message), -32603 when the result is not an object
   *   or the reply id does not match (the connection is then aborted).
   * @throws HudError `connection_closed` when the server closes during the call
   *   (`env closed connection during '<method>'`) or the connection was lost earlier; `frame_too_large` for
   *   a reply over `maxFrameBytes`; `invalid_frame`; `timeout` after `timeoutMs`. All of these abort the
   *   connection.
   */
  call(method: string, params: JsonObject = {}, options: CallOptions = {}): Promise<JsonObject> {
    return this.#channel.call(method, params, options);
  }

  /**
   * The binding `ref` names (exact name, full protocol id, or protocol family), with its URL rewritten to the
   * local forwarder when the client has a control endpoint: `scheme://[user@]127.0.0.1:<port><path>...`
   * (spec §2.7). Connect anything to that URL; bytes travel over a `tunnel.open` stream.
   * @throws HudError `capability_not_found` (also before the first `hello`), `capability_ambiguous`.
   */
  binding(ref: string): Capability {
    const manifest = this.#manifest;
    if (manifest === undefined) {
      throw new HudError(
        'capability_not_found',
        `no bindings yet: call hello() before binding(${pyRepr(ref)})`,
      );
    }
    const capability = resolveBinding(manifest.bindings, ref);
    return this.#forwarders?.route(capability) ?? capability;
  }

  /**
   * A live protocol client for the binding `ref` names, from the clients registered with
   * `registerProtocolClient` (by protocol id or family), connected to the routed binding with 3 attempts on
   * connection errors (backoff 250 ms · 2ⁿ). Cached per binding name and closed by {@link HudClient.close};
   * a binding with per-episode data (see {@link HudClient.episodeBindings}) is cached for its episode only.
   * @throws HudError `no_protocol_client` when no client is registered for the protocol; the binding errors
   *   of {@link HudClient.binding}; the factory's last error.
   */
  async open<Client extends ProtocolClient = ProtocolClient>(ref: string): Promise<Client> {
    const binding = this.binding(ref);
    let pending = this.#opened.get(binding.name);
    if (pending === undefined) {
      const factory = findProtocolClient(binding.protocol);
      if (factory === undefined) {
        throw new HudError(
          'no_protocol_client',
          `no client registered for protocol ${pyRepr(binding.protocol)}; use binding(${pyRepr(ref)}) for raw access`,
        );
      }
      if (this.#closing !== undefined)
        throw new HudError('connection_closed', 'HudClient is closed');
      const opening = connectProtocolClient(factory, binding, {
        logger: this.#options.logger,
        episode: this.#episodeBindings[binding.name],
      });
      pending = opening;
      this.#opened.set(binding.name, opening);
      opening.catch(() => {
        if (this.#opened.get(binding.name) === opening) this.#opened.delete(binding.name);
      });
    }
    return (await pending) as Client;
  }

  /**
   * Sends `hello {session_id: <own>}` every `intervalMs` (default 120 000) with a `timeoutMs` reply limit
   * (default 5 000), queued with the other calls (spec §2.4). `connect()` starts it; call it yourself after
   * `hello()` on a client from {@link HudClient.fromSocket}. An error frame stops the heartbeat (logged); a
   * timeout or transport failure aborts the connection, so pending and later calls fail with
   * `connection_closed` and {@link HudClient.signal} fires. Replaces a running heartbeat.
   * @throws HudError `invalid_argument` before the first `hello`.
   */
  startHeartbeat(options: { intervalMs?: number; timeoutMs?: number } = {}): void {
    if (this.#manifest === undefined) {
      throw new HudError('invalid_argument', 'call hello() before startHeartbeat()');
    }
    this.#heartbeat?.stop();
    const timeoutMs = options.timeoutMs ?? ClientDefaults.heartbeatTimeoutMs;
    const { logger } = this.#options;
    this.#heartbeat = new Heartbeat({
      intervalMs: options.intervalMs ?? ClientDefaults.heartbeatIntervalMs,
      beat: () =>
        this.#channel.call(
          Method.Hello,
          { session_id: this.#manifest?.sessionId },
          { timeoutMs, label: 'control heartbeat' },
        ),
      onFailure: (error) => {
        if (this.#closing !== undefined) return;
        logger?.warn(`control heartbeat failed: ${(error as Error).message}`);
        if (!ProtocolError.isInstance(error)) this.#channel.abort(error as Error);
      },
    });
  }

  /**
   * Disconnects without `bye` (a started task stays parked on the server): closes opened protocol clients,
   * every forwarder and its tunnels, and the control connection. Pending calls fail with
   * `connection_closed`. Idempotent; resolves once everything is closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as {@link HudClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    this.#heartbeat?.stop();
    const opened = [...this.#opened.values()];
    this.#opened.clear();
    await Promise.all(
      opened.map(async (pending) => {
        try {
          await (await pending).close();
        } catch {
          // A client that failed to open or to close has nothing left to release.
        }
      }),
    );
    await Promise.all([this.#channel.close(), this.#forwarders?.close()]);
  }
}

/** hud-python reads `binding["url"]` and raises KeyError('url'); we name the binding instead. */
function checkBindingUrls(result: JsonObject): void {
  if (!Array.isArray(result.bindings)) return;
  for (const binding of result.bindings) {
    if (isObjectFrame(binding) && !('url' in binding)) {
      const name = typeof binding.name === 'string' ? pyRepr(binding.name) : '(unnamed)';
      throw new ProtocolError(
        -32603,
        `${pyRepr(Method.Hello)}: binding ${name} has no 'url' (KeyError 'url' in hud-python)`,
      );
    }
  }
}

/** A lease's own signal (aborted when its substrate dies), if the target is a lease that has one. */
function leaseSignal(target: Runtime | string): AbortSignal | undefined {
  if (typeof target === 'string') return undefined;
  const { signal } = target as { signal?: unknown };
  return signal instanceof AbortSignal ? signal : undefined;
}

/** One signal aborted by whichever of `signals` aborts first (undefined when none is given). */
function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return given.length <= 1 ? given[0] : AbortSignal.any(given);
}
