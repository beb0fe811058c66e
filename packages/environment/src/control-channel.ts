import { timingSafeEqual } from 'node:crypto';
import {
  ErrorCode,
  HelloParams,
  type JsonObject,
  Method,
  paramsError,
  TasksStartParams,
  WireError,
} from '@hud/protocol';
import type { Environment } from './environment.js';
import type { Logger } from './logger.js';
import { TaskRunner } from './task-runner.js';
import { prepareArgs } from './template.js';

/** The per-connection view the channel needs. */
export interface SessionHolder {
  sessionId: string | undefined;
  authenticated: boolean;
}

/**
 * A session's task slot. A live session keeps its slot while it has no task (`runner` undefined), so a
 * start+grade cycle changes two fields rather than adding and deleting a map entry (V8 reallocates a
 * small Map's table on such a delete); a session that is not live has a slot only while it holds a task.
 */
interface RunnerEntry {
  runner: TaskRunner | undefined;
  /** When the owning session disconnected (ms since epoch); undefined while it is live. */
  parkedAt: number | undefined;
}

/** Options of a {@link ControlChannel}. */
export interface ControlChannelOptions {
  /** Parked sessions older than this are closed (ms; default 1 h). `0` or `Infinity` keeps them forever. */
  parkedTtlMs?: number;
  /** Shared secret required in `hello` and `tunnel.open` params as `token` (default: none). */
  token?: string;
  logger: Logger;
}

/** The result of a method call: its result object; `closeAfter` after `bye` (the connection then closes). */
export type Outcome = { result: unknown; closeAfter?: boolean };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isPythonFalsy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) {
    // Object.keys(value).length === 0, without building the array.
    for (const key in value) if (Object.hasOwn(value, key)) return false;
    return true;
  }
  return !value;
}

/**
 * Whether `tasks.start` params have the shape every well-formed request has, which `TasksStartParams`
 * accepts without a look (a string id; args a plain object, as every JSON object is): the zod check, the
 * costliest step of a start, then only runs for requests it may refuse.
 */
function isPlainStart(request: { id: unknown; args: unknown }): boolean {
  return (
    typeof request.id === 'string' &&
    isObject(request.args) &&
    Object.getPrototypeOf(request.args) === Object.prototype
  );
}

/** `make()` once `pending` settles, or at once without it (no promise for nothing to wait on). */
function after<T>(pending: Promise<void> | undefined, make: () => T): T | Promise<T> {
  return pending ? pending.then(make) : make();
}

/**
 * Session state and method handlers of one bound control port (hud-python `_ControlChannel`, spec §2.3–2.4):
 * live sessions, at most one suspended task per session, parking on disconnect, resume by `hello`,
 * blind adoption by `tasks.grade`, and (beyond Python) parked-session expiry, an optional token, and the
 * hud-ts extensions `tasks.solve` and multi-step tasks (a `done: false` grade with a next `prompt` keeps the
 * task under its session for the next `tasks.grade`).
 */
export class ControlChannel {
  readonly env: Environment;
  readonly #live = new Set<string>();
  readonly #runners = new Map<string, RunnerEntry>();
  readonly #options: ControlChannelOptions;
  readonly #token: Buffer | undefined;
  readonly #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(env: Environment, options: ControlChannelOptions) {
    this.env = env;
    this.#options = options;
    this.#token = options.token ? Buffer.from(options.token) : undefined;
    const ttl = options.parkedTtlMs ?? 60 * 60 * 1000;
    if (ttl > 0 && Number.isFinite(ttl)) {
      this.#sweeper = setInterval(
        () => void this.expireParked(ttl),
        Math.max(10, Math.min(ttl / 2, 60_000)),
      );
      this.#sweeper.unref();
    }
  }

  /** Whether clients must present a token. */
  get requiresToken(): boolean {
    return this.#token !== undefined;
  }

  /** Number of sessions holding a task whose connection is gone. */
  get parkedCount(): number {
    let count = 0;
    // Only live sessions have empty slots.
    for (const [sessionId] of this.#runners) if (!this.#live.has(sessionId)) count++;
    return count;
  }

  /** Number of suspended tasks (live or parked). */
  get runnerCount(): number {
    let count = 0;
    for (const entry of this.#runners.values()) if (entry.runner) count++;
    return count;
  }

  /** Checks a `token` param against the server's token (always true when none is set). */
  checkToken(params: unknown): boolean {
    if (!this.#token) return true;
    const given =
      isObject(params) && typeof params.token === 'string' ? Buffer.from(params.token) : undefined;
    return (
      given !== undefined &&
      given.length === this.#token.length &&
      timingSafeEqual(given, this.#token)
    );
  }

  /** Gives a new connection its session (minted when its first control frame arrives). */
  attach(holder: SessionHolder): void {
    holder.sessionId = this.#mintSessionId();
    holder.authenticated = !this.#token;
    this.#live.add(holder.sessionId);
  }

  /**
   * A fresh session id, `sess-` and 8 lowercase hex digits (hud-python: `"sess-" + secrets.token_hex(4)`),
   * not held by a live or parked session of this channel. From `Math.random`, not `node:crypto`: an id
   * only names a session to its own client (any client past `hello` may adopt the single parked task
   * anyway, and the token is what guards the port), and loading `node:crypto` for it cost every
   * local-runtime child ~10–15 ms of CPU at its first `hello`.
   */
  #mintSessionId(): string {
    for (;;) {
      const id = `sess-${Math.floor(Math.random() * 0x1_0000_0000)
        .toString(16)
        .padStart(8, '0')}`;
      if (!this.#live.has(id) && !this.#runners.has(id)) return id;
    }
  }

  /** A connection ended: its session leaves the live set; its task (if any) stays parked. */
  detach(holder: SessionHolder): void {
    if (!holder.sessionId) return;
    this.#live.delete(holder.sessionId);
    const entry = this.#runners.get(holder.sessionId);
    if (entry?.runner) entry.parkedAt = Date.now();
    else if (entry) this.#runners.delete(holder.sessionId);
  }

  /**
   * Handles one request of a control session.
   * @throws WireError with the code and message to send; `closesConnection` for a refused token.
   */
  async dispatch(holder: SessionHolder, method: unknown, params: unknown): Promise<Outcome> {
    return this.handle(holder, method, params);
  }

  /**
   * {@link ControlChannel.dispatch} without a promise where none is needed (what the server's connections
   * call): the outcome itself for a request answered at once (`hello`, `tasks.list`, a refusal), else a
   * promise of it (a template runs, or a task is closed first). A refusal is thrown, not returned.
   * @throws WireError as {@link ControlChannel.dispatch} rejects; the promise rejects with one.
   */
  handle(holder: SessionHolder, method: unknown, params: unknown): Outcome | Promise<Outcome> {
    if (!holder.authenticated && method !== Method.Hello) {
      throw new WireError(
        ErrorCode.InvalidRequest,
        'unauthorized: send hello with the server token first',
        { closesConnection: true },
      );
    }
    switch (method) {
      case Method.Hello:
        return { result: this.#hello(holder, params) };
      case Method.TasksList:
        return {
          result: { tasks: [...this.env.templates.values()].map((template) => template.manifest) },
        };
      case Method.TasksStart:
        return this.#start(holder, params);
      case Method.TasksGrade:
        return this.#grade(holder, params);
      case Method.TasksCancel:
        return after(this.#cancel(holder.sessionId), () => ({ result: { cancelled: true } }));
      case Method.TasksSolve:
        return this.#solve(holder).then((result) => ({ result }));
      case Method.Bye:
        return after(this.#cancel(holder.sessionId), () => ({
          result: { goodbye: true },
          closeAfter: true,
        }));
      default:
        throw new WireError(
          ErrorCode.MethodNotFound,
          `method not found: ${method === undefined || method === null ? '' : String(method)}`,
        );
    }
  }

  #hello(holder: SessionHolder, params: unknown): unknown {
    // `msg.get("params") or {}`: any falsy params value is an empty hello.
    const given = isPythonFalsy(params) ? {} : params;
    // Params that are not an object are refused before the token is checked, a bad session_id after.
    const problem = paramsError(Method.Hello, HelloParams, given);
    if (!isObject(given)) throw problem;
    if (!holder.authenticated) {
      if (!this.checkToken(given)) {
        throw new WireError(ErrorCode.InvalidRequest, 'unauthorized: wrong or missing token', {
          closesConnection: true,
        });
      }
      holder.authenticated = true;
    }
    if (problem) throw problem;
    const requested = (given as HelloParams).session_id;
    if (requested !== undefined && requested !== null) {
      if (requested !== holder.sessionId) {
        if (this.#live.has(requested)) {
          throw new WireError(
            ErrorCode.InvalidRequest,
            `session '${requested}' has a live connection`,
          );
        }
        // A session that is not live has a slot only while it holds a task.
        const entry = this.#runners.get(requested);
        if (!entry) {
          throw new WireError(ErrorCode.InvalidRequest, `unknown session: '${requested}'`);
        }
        // The connection becomes the resumed session; its fresh id is dropped (its task, if any, parks).
        this.detach(holder);
        holder.sessionId = requested;
        this.#live.add(requested);
        entry.parkedAt = undefined;
      }
    }
    return {
      session_id: holder.sessionId,
      env: { name: this.env.name, version: this.env.version },
      bindings: this.env.manifest(),
    };
  }

  /** Starts a task for the session (replacing its current one). @throws WireError for bad params. */
  #start(holder: SessionHolder, params: unknown): Promise<Outcome> {
    const given = isObject(params) ? params : {};
    // `params.get("args") or {}`: every falsy value (null, [], "", 0, false) means no args.
    const request = { id: given.id, args: isPythonFalsy(given.args) ? {} : given.args };
    const problem = isPlainStart(request)
      ? undefined
      : paramsError(Method.TasksStart, TasksStartParams, request);
    if (problem) throw problem;
    // Checked above; the client's own values go on (zod's copy of a record would drop a `__proto__` key).
    const { id, args } = request as { id: string; args: JsonObject };
    // As hud-python: a malformed request leaves the session's task alone; any other start replaces it.
    const cancelled = this.#cancel(holder.sessionId);
    if (cancelled) return cancelled.then(() => this.#startTemplate(holder, id, args));
    return this.#startTemplate(holder, id, args);
  }

  #startTemplate(holder: SessionHolder, id: string, args: JsonObject): Promise<Outcome> {
    const template = this.env.templates.get(id);
    if (!template) throw new WireError(ErrorCode.InvalidParams, `unknown task: '${id}'`);
    const prepared = prepareArgs(template, args);
    if (!prepared.ok) throw new WireError(prepared.code, prepared.message);
    const runner = new TaskRunner(template, prepared.args, this.env);
    return runner.start().then((frame) => {
      if (this.#closed) {
        // The server closed while the template was starting: nobody can grade or cancel it any more.
        return runner.close().then(() => {
          throw new WireError(ErrorCode.InvalidRequest, 'server is shutting down');
        });
      }
      this.#put(holder.sessionId as string, runner);
      return { result: frame };
    });
  }

  /** Gives `runner` to the session's slot: live, or parked as of now when its connection is gone. */
  #put(sessionId: string, runner: TaskRunner): void {
    const parkedAt = this.#live.has(sessionId) ? undefined : Date.now();
    const entry = this.#runners.get(sessionId);
    if (entry) {
      entry.runner = runner;
      entry.parkedAt = parkedAt;
    } else this.#runners.set(sessionId, { runner, parkedAt });
  }

  /** Takes the session's task out of its slot (the slot stays while the session is live). */
  #take(sessionId: string | undefined): TaskRunner | undefined {
    if (!sessionId) return undefined;
    const entry = this.#runners.get(sessionId);
    const runner = entry?.runner;
    if (!entry || !runner) return undefined;
    if (this.#live.has(sessionId)) {
      entry.runner = undefined;
      entry.parkedAt = undefined;
    } else this.#runners.delete(sessionId);
    return runner;
  }

  #takeRunner(holder: SessionHolder): TaskRunner {
    const own = this.#take(holder.sessionId);
    if (own) return own;
    const parked = [...this.#runners.keys()]
      .filter((sessionId) => !this.#live.has(sessionId))
      .sort();
    if (parked.length === 0) throw new WireError(ErrorCode.InvalidRequest, 'no task in progress');
    if (parked.length > 1) {
      throw new WireError(
        ErrorCode.InvalidRequest,
        `${parked.length} parked sessions (${parked.join(', ')}); resume one by sending hello with its session_id`,
      );
    }
    return this.#take(parked[0]) as TaskRunner;
  }

  #grade(holder: SessionHolder, params: unknown): Promise<Outcome> {
    const runner = this.#takeRunner(holder);
    return runner.grade(isObject(params) ? params : {}).then((frame) => {
      // A multi-step task went on to its next step (hud-ts extension): the runner returns under the
      // grading session (for an adopted task, the adopter's), live or parked as that session is now.
      if (!runner.closed) {
        const sessionId = holder.sessionId as string;
        // Requests of one session run one at a time, so its slot is still free, unless the server closed.
        if (this.#closed || this.#runners.get(sessionId)?.runner) {
          return runner.close().then(() => ({ result: frame }));
        }
        this.#put(sessionId, runner);
      }
      return { result: frame };
    });
  }

  async #solve(holder: SessionHolder): Promise<unknown> {
    const runner = holder.sessionId ? this.#runners.get(holder.sessionId)?.runner : undefined;
    if (!runner) throw new WireError(ErrorCode.InvalidRequest, 'no task in progress');
    return runner.solve();
  }

  /** Closes the session's task, if it has one: the promise of its close, else undefined. */
  #cancel(sessionId: string | undefined): Promise<void> | undefined {
    return this.#take(sessionId)?.close();
  }

  /** Closes parked tasks older than `ttlMs`; returns how many. */
  async expireParked(ttlMs: number): Promise<number> {
    const now = Date.now();
    const expired: [string, RunnerEntry][] = [];
    for (const [sessionId, entry] of this.#runners) {
      if (entry.parkedAt !== undefined && now - entry.parkedAt >= ttlMs)
        expired.push([sessionId, entry]);
    }
    // Remove them all before closing any: a close may take a while, and an expired session must not be
    // resumable (or adoptable) meanwhile.
    for (const [sessionId] of expired) {
      this.#runners.delete(sessionId);
      this.#options.logger.debug(`parked session ${sessionId} expired after ${ttlMs} ms`);
    }
    await Promise.all(expired.map(([, entry]) => entry.runner?.close()));
    return expired.length;
  }

  /** Cancels every task (shutdown) and stops the expiry timer. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    const entries = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(entries.map((entry) => entry.runner?.close()));
  }
}
