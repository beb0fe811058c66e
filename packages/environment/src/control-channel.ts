import { randomBytes, timingSafeEqual } from 'node:crypto';
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

interface RunnerEntry {
  runner: TaskRunner;
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
  if (isObject(value)) return Object.keys(value).length === 0;
  return !value;
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
    for (const [sessionId] of this.#runners) if (!this.#live.has(sessionId)) count++;
    return count;
  }

  /** Number of suspended tasks (live or parked). */
  get runnerCount(): number {
    return this.#runners.size;
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
    holder.sessionId = `sess-${randomBytes(4).toString('hex')}`;
    holder.authenticated = !this.#token;
    this.#live.add(holder.sessionId);
  }

  /** A connection ended: its session leaves the live set; its task (if any) stays parked. */
  detach(holder: SessionHolder): void {
    if (!holder.sessionId) return;
    this.#live.delete(holder.sessionId);
    const entry = this.#runners.get(holder.sessionId);
    if (entry) entry.parkedAt = Date.now();
  }

  /**
   * Handles one request of a control session.
   * @throws WireError with the code and message to send; `closesConnection` for a refused token.
   */
  async dispatch(holder: SessionHolder, method: unknown, params: unknown): Promise<Outcome> {
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
        return { result: await this.#start(holder, params) };
      case Method.TasksGrade:
        return { result: await this.#grade(holder, params) };
      case Method.TasksCancel:
        await this.#cancel(holder.sessionId);
        return { result: { cancelled: true } };
      case Method.TasksSolve:
        return { result: await this.#solve(holder) };
      case Method.Bye:
        await this.#cancel(holder.sessionId);
        return { result: { goodbye: true }, closeAfter: true };
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

  async #start(holder: SessionHolder, params: unknown): Promise<unknown> {
    const given = isObject(params) ? params : {};
    // `params.get("args") or {}`: every falsy value (null, [], "", 0, false) means no args.
    const request = { id: given.id, args: isPythonFalsy(given.args) ? {} : given.args };
    const problem = paramsError(Method.TasksStart, TasksStartParams, request);
    if (problem) throw problem;
    // Checked above; the client's own values go on (zod's copy of a record would drop a `__proto__` key).
    const { id, args } = request as { id: string; args: JsonObject };
    // As hud-python: a malformed request leaves the session's task alone; any other start replaces it.
    await this.#cancel(holder.sessionId);
    const template = this.env.templates.get(id);
    if (!template) throw new WireError(ErrorCode.InvalidParams, `unknown task: '${id}'`);
    const prepared = prepareArgs(template, args);
    if (!prepared.ok) throw new WireError(prepared.code, prepared.message);
    const runner = new TaskRunner(template, prepared.args, this.env);
    const frame = await runner.start();
    if (this.#closed) {
      // The server closed while the template was starting: nobody can grade or cancel it any more.
      await runner.close();
      throw new WireError(ErrorCode.InvalidRequest, 'server is shutting down');
    }
    const sessionId = holder.sessionId as string;
    this.#runners.set(sessionId, {
      runner,
      parkedAt: this.#live.has(sessionId) ? undefined : Date.now(),
    });
    return frame;
  }

  #takeRunner(holder: SessionHolder): TaskRunner {
    const own = holder.sessionId ? this.#runners.get(holder.sessionId) : undefined;
    if (own) {
      this.#runners.delete(holder.sessionId as string);
      return own.runner;
    }
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
    const adopted = parked[0] as string;
    const entry = this.#runners.get(adopted) as RunnerEntry;
    this.#runners.delete(adopted);
    return entry.runner;
  }

  async #grade(holder: SessionHolder, params: unknown): Promise<unknown> {
    const runner = this.#takeRunner(holder);
    const frame = await runner.grade(isObject(params) ? params : {});
    // A multi-step task went on to its next step (hud-ts extension): the runner returns under the grading
    // session (for an adopted task, the adopter's), live or parked as that session is now.
    if (!runner.closed) {
      const sessionId = holder.sessionId as string;
      // Requests of one session run one at a time, so its slot is still free, unless the server closed.
      if (this.#closed || this.#runners.has(sessionId)) await runner.close();
      else {
        this.#runners.set(sessionId, {
          runner,
          parkedAt: this.#live.has(sessionId) ? undefined : Date.now(),
        });
      }
    }
    return frame;
  }

  async #solve(holder: SessionHolder): Promise<unknown> {
    const entry = holder.sessionId ? this.#runners.get(holder.sessionId) : undefined;
    if (!entry) throw new WireError(ErrorCode.InvalidRequest, 'no task in progress');
    return entry.runner.solve();
  }

  async #cancel(sessionId: string | undefined): Promise<void> {
    if (!sessionId) return;
    const entry = this.#runners.get(sessionId);
    if (!entry) return;
    this.#runners.delete(sessionId);
    await entry.runner.close();
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
    await Promise.all(expired.map(([, entry]) => entry.runner.close()));
    return expired.length;
  }

  /** Cancels every task (shutdown) and stops the expiry timer. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    const entries = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(entries.map((entry) => entry.runner.close()));
  }
}
