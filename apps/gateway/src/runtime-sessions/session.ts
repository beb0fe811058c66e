import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { RuntimeSessionStatus, RuntimeSessionView } from './session-types.js';

/** A worker's connection WebSocket for one tunnel, wrapped as a byte stream. */
export interface WorkerConnection {
  socket: WebSocket;
  stream: Duplex;
}

/** A tunnel waiting for the worker to open its connection WebSocket. */
export interface PendingConnection {
  resolve(connection: WorkerConnection): void;
  reject(error: Error): void;
}

/** One open tunnel: the client's WebSocket and, once connected, the worker's. */
export interface TunnelEntry {
  client: WebSocket;
  worker: WebSocket | undefined;
}

/** A promise with its settle functions (rejections are observed, so an unawaited one never crashes). */
export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => {});
  }
}

/** The in-memory state of one runtime session (see {@link RuntimeSessionStatus} for its life). */
export class RuntimeSession {
  readonly id: string;
  readonly teamId: string;
  readonly environment: string;
  readonly traceId: string | null;
  readonly createdAt = new Date().toISOString();
  status: RuntimeSessionStatus = 'queued';
  /** Why the session ended (null while live). */
  error: string | null = null;
  endedAt: string | null = null;
  /** The worker serving it, from its claim: the worker's id and the id of the key it claimed with. */
  worker: { workerId: string; keyId: string } | undefined;
  /** How many times a worker claimed it (a claim whose worker never connects is given up). */
  claims = 0;
  /** The worker's control WebSocket (connection requests go down it). */
  control: WebSocket | undefined;
  readonly tunnels = new Set<TunnelEntry>();
  readonly pending = new Map<string, PendingConnection>();
  /** Resolves when the worker reports ready; rejects with the reason when the session ends first. */
  readonly ready = new Deferred<void>();
  /** The timer of whatever the session waits for now (the control socket, or a tunnel while idle). */
  timer: NodeJS.Timeout | undefined;
  pinger: NodeJS.Timeout | undefined;

  constructor(input: { id: string; teamId: string; environment: string; traceId: string | null }) {
    this.id = input.id;
    this.teamId = input.teamId;
    this.environment = input.environment;
    this.traceId = input.traceId;
  }

  /** The session as the API shows it. */
  view(): RuntimeSessionView {
    return {
      id: this.id,
      environment: this.environment,
      trace_id: this.traceId,
      status: this.status,
      error: this.error,
      worker_id: this.worker?.workerId ?? null,
      connections: this.tunnels.size,
      created_at: this.createdAt,
      ended_at: this.endedAt,
    };
  }
}

/** `text` cut to the 123 bytes a WebSocket close reason may hold (never inside a character). */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}
