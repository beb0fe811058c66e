import { randomBytes } from 'node:crypto';
import { createWebSocketStream, type WebSocket } from 'ws';
import { GatewayError } from '../errors.js';
import {
  closeReason,
  type PendingConnection,
  RuntimeSession,
  type TunnelEntry,
  type WorkerConnection,
} from './session.js';
import { DEFAULT_RUNTIME_SESSION_OPTIONS, type RuntimeSessionOptions } from './session-types.js';

/** Who claims: the worker's id, its key's id, and the teams it may serve (`'all'` for a first-team admin). */
export interface SessionClaimant {
  workerId: string;
  keyId: string;
  teams: 'all' | string;
}

interface ClaimWaiter {
  claimant: SessionClaimant;
  capacity: number;
  finish(sessions: RuntimeSession[]): void;
}

/** How many ended sessions are remembered (for an idempotent `DELETE` and a clear tunnel refusal). */
const ENDED_KEPT = 1_000;
/** How many claims a session gets whose worker never opens the control socket, before it ends. */
const MAX_CLAIMS = 3;
const noop = () => {};

/**
 * The gateway's runtime sessions (`--runtime hud`), in memory: a client creates one for an environment, a
 * worker of its team (or an admin worker of the first team) claims it, starts a substrate and reports
 * ready; each tunnel the client opens asks the worker (over the session's control WebSocket) for a
 * connection WebSocket of its own, and the bytes are piped between the two. Ending a session (DELETE, the
 * worker's failure or loss, idleness) closes every tunnel and tells the worker to tear the substrate down.
 * Sessions do not survive a gateway restart: the workers see their control sockets close and tear down.
 */
export class RuntimeSessions {
  readonly options: RuntimeSessionOptions;
  readonly #live = new Map<string, RuntimeSession>();
  readonly #ended = new Map<string, RuntimeSession>();
  #waiters: ClaimWaiter[] = [];

  constructor(options: Partial<RuntimeSessionOptions> = {}) {
    this.options = { ...DEFAULT_RUNTIME_SESSION_OPTIONS, ...options };
  }

  /** A new queued session of `teamId` for `environment`; waiting workers are offered it at once. */
  create(input: { teamId: string; environment: string; traceId: string | null }): RuntimeSession {
    const session = new RuntimeSession({ id: randomBytes(16).toString('hex'), ...input });
    this.#live.set(session.id, session);
    this.#idle(session);
    this.#dispatch();
    return session;
  }

  /** A session of `teamId` (live, or ended recently), else undefined: another team's is never found. */
  find(teamId: string, id: string): RuntimeSession | undefined {
    const session = this.#live.get(id) ?? this.#ended.get(id);
    return session?.teamId === teamId ? session : undefined;
  }

  /** A live or recently ended session claimed with key `keyId`, else undefined. */
  findClaimed(keyId: string, id: string): RuntimeSession | undefined {
    const session = this.#live.get(id) ?? this.#ended.get(id);
    return session?.worker?.keyId === keyId ? session : undefined;
  }

  /** The live sessions of `teamId`, oldest first. */
  list(teamId: string): RuntimeSession[] {
    return [...this.#live.values()].filter((session) => session.teamId === teamId);
  }

  /** How many sessions are live (all teams). */
  get liveCount(): number {
    return this.#live.size;
  }

  /**
   * Claims up to `capacity` queued sessions `claimant` may serve, oldest first; with none, waits up to
   * `waitMs` for one (or until `signal` aborts) and resolves `[]` then. A claimed session whose worker
   * does not open its control socket within `controlTimeoutMs` is queued again (the third time, it ends).
   */
  claim(
    claimant: SessionClaimant,
    capacity: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<RuntimeSession[]> {
    const now = this.#take(claimant, capacity);
    if (now.length > 0 || waitMs <= 0 || capacity <= 0 || signal?.aborted) {
      return Promise.resolve(now);
    }
    return new Promise((resolve) => {
      const finish = (sessions: RuntimeSession[]) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters = this.#waiters.filter((item) => item !== waiter);
        resolve(sessions);
      };
      const waiter: ClaimWaiter = { claimant, capacity, finish };
      const onAbort = () => finish([]);
      const timer = setTimeout(onAbort, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Makes `socket` the session's control WebSocket: pinged every `pingIntervalMs` (two missed pongs lose
   * the worker); its close ends the session. A second control socket is refused (closed with 1008).
   */
  attachControl(session: RuntimeSession, socket: WebSocket): void {
    socket.on('error', noop);
    if (session.status === 'ended') {
      socket.close(1000, closeReason(`session ended: ${session.error ?? ''}`));
      return;
    }
    if (session.control) {
      socket.close(1008, 'the session already has a control connection');
      return;
    }
    session.control = socket;
    clearTimeout(session.timer);
    session.timer = undefined;
    this.#idle(session);
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    session.pinger = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, this.options.pingIntervalMs);
    socket.on('close', () => {
      clearInterval(session.pinger);
      const worker = session.worker?.workerId ?? 'unknown';
      this.end(session, `worker ${worker} lost: its control connection closed`);
    });
  }

  /**
   * The worker's substrate serves: tunnels waiting for it go on.
   * @throws GatewayError `conflict` when the session ended, is not starting, or has no control socket yet.
   */
  markReady(session: RuntimeSession): void {
    if (session.status === 'ended') {
      throw new GatewayError('conflict', `session ${session.id} ended: ${session.error}`);
    }
    if (session.status !== 'starting') {
      throw new GatewayError(
        'conflict',
        `session ${session.id} is ${session.status}, not starting`,
      );
    }
    if (!session.control) {
      throw new GatewayError(
        'conflict',
        `session ${session.id} has no control connection: open GET /v2/workers/sessions/${session.id}/control before reporting ready`,
      );
    }
    session.status = 'ready';
    session.ready.resolve();
  }

  /** Ends the session with the worker's reason (the substrate could not start). Idempotent. */
  markFailed(session: RuntimeSession, error: string): void {
    const worker = session.worker?.workerId ?? 'unknown';
    this.end(
      session,
      `worker ${worker} could not start environment '${session.environment}': ${error}`,
    );
  }

  /**
   * Asks the session's worker for a connection WebSocket (`{"connect": "<conn id>"}` on the control
   * socket) and resolves it once the worker opens it.
   * @throws Error when the session has no open control socket, or the worker does not connect within
   *   `connectTimeoutMs`, or the session ends first.
   */
  requestConnection(session: RuntimeSession): Promise<WorkerConnection> {
    const control = session.control;
    if (!control || control.readyState !== control.OPEN) {
      return Promise.reject(new Error(`session ${session.id} has no worker connected`));
    }
    const id = randomBytes(8).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        session.pending.delete(id);
        reject(
          new Error(
            `worker ${session.worker?.workerId} did not open connection ${id} within ${this.options.connectTimeoutMs / 1000} s`,
          ),
        );
      }, this.options.connectTimeoutMs);
      const pending: PendingConnection = {
        resolve: (connection) => {
          clearTimeout(timer);
          resolve(connection);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      session.pending.set(id, pending);
      control.send(JSON.stringify({ connect: id }));
    });
  }

  /**
   * Hands the worker's connection WebSocket `socket` to the tunnel that asked for `connectionId`; the
   * socket is wrapped as a stream at once, so no byte is lost. An unknown id closes it (1008).
   */
  attachConnection(session: RuntimeSession, connectionId: string, socket: WebSocket): void {
    socket.on('error', noop);
    const pending = session.pending.get(connectionId);
    if (!pending) {
      socket.close(1008, closeReason(`no tunnel waits for connection ${connectionId}`));
      return;
    }
    session.pending.delete(connectionId);
    pending.resolve({ socket, stream: createWebSocketStream(socket) });
  }

  /** Counts `entry` as an open tunnel (the session is not idle while one is open). */
  addTunnel(session: RuntimeSession, entry: TunnelEntry): void {
    session.tunnels.add(entry);
    this.#idle(session);
  }

  /** Forgets a closed tunnel: closes its worker side, and starts the idle clock when none is left. */
  dropTunnel(session: RuntimeSession, entry: TunnelEntry): void {
    session.tunnels.delete(entry);
    entry.worker?.close();
    this.#idle(session);
  }

  /**
   * Ends the session with `reason`: waiting tunnels fail, open ones close, the worker gets
   * `{"close": reason}` and its control socket closes (it tears the substrate down). Tunnels close with
   * `code`: 1000 when the client deleted the session, else 1011 (a failure). Idempotent.
   */
  end(session: RuntimeSession, reason: string, code: 1000 | 1011 = 1011): void {
    if (session.status === 'ended') return;
    session.status = 'ended';
    session.error = reason;
    session.endedAt = new Date().toISOString();
    clearTimeout(session.timer);
    clearInterval(session.pinger);
    this.#live.delete(session.id);
    this.#ended.set(session.id, session);
    if (this.#ended.size > ENDED_KEPT) {
      const oldest = this.#ended.keys().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
    const error = new Error(reason);
    session.ready.reject(error);
    for (const pending of session.pending.values()) pending.reject(error);
    session.pending.clear();
    for (const entry of session.tunnels) {
      entry.client.close(code, closeReason(`session ended: ${reason}`));
      entry.worker?.terminate();
    }
    session.tunnels.clear();
    const control = session.control;
    if (control && control.readyState === control.OPEN) {
      control.send(JSON.stringify({ close: reason }));
      control.close(1000, 'session ended');
    }
  }

  /** Ends every live session (the gateway is closing) and answers waiting claims with nothing. */
  close(): void {
    for (const waiter of [...this.#waiters]) waiter.finish([]);
    for (const session of [...this.#live.values()])
      this.end(session, 'the gateway is shutting down');
  }

  /** Queued sessions `claimant` may serve, marked starting for it (up to `capacity`). */
  #take(claimant: SessionClaimant, capacity: number): RuntimeSession[] {
    const taken: RuntimeSession[] = [];
    for (const session of this.#live.values()) {
      if (taken.length >= capacity) break;
      if (session.status !== 'queued') continue;
      if (claimant.teams !== 'all' && claimant.teams !== session.teamId) continue;
      session.status = 'starting';
      session.worker = { workerId: claimant.workerId, keyId: claimant.keyId };
      clearTimeout(session.timer);
      session.claims++;
      session.timer = setTimeout(() => {
        const why = `worker ${claimant.workerId} claimed it but did not open its control connection within ${this.options.controlTimeoutMs / 1000} s`;
        if (session.claims >= MAX_CLAIMS) {
          this.end(session, why);
          return;
        }
        // The claim's answer may never have reached the worker: offer the session again.
        session.status = 'queued';
        session.worker = undefined;
        this.#idle(session);
        this.#dispatch();
      }, this.options.controlTimeoutMs);
      taken.push(session);
    }
    return taken;
  }

  /** Offers queued sessions to waiting claims, first come first served. */
  #dispatch(): void {
    for (const waiter of [...this.#waiters]) {
      const taken = this.#take(waiter.claimant, waiter.capacity);
      if (taken.length > 0) waiter.finish(taken);
    }
  }

  /**
   * (Re)starts the idle clock of a session with no tunnel open (none while one is, or while a claimed
   * session waits for its control socket, which has its own clock).
   */
  #idle(session: RuntimeSession): void {
    if (session.status === 'ended') return;
    if (session.status === 'starting' && !session.control) return;
    clearTimeout(session.timer);
    session.timer = undefined;
    if (session.tunnels.size > 0) return;
    session.timer = setTimeout(
      () =>
        this.end(
          session,
          `no tunnel was open for ${this.options.idleTimeoutMs / 1000} s (idle sessions end)`,
        ),
      this.options.idleTimeoutMs,
    );
  }
}
