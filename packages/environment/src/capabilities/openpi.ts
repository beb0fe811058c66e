import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HudError, OPENPI_PROTOCOL, pyFloat, type RobotContract } from '@hud/protocol';
import type { WebSocketServer } from 'ws';
import type { CapabilityRecord } from '../capability.js';
import type { Environment } from '../environment.js';
import { pythonRepr } from '../python-repr.js';
import { markProtected, protectionByDefault } from './endpoint-protection.js';
import { RobotConnection, type RobotHost } from './openpi-connection.js';
import type { RobotEpisode, RobotServeOptions, RobotSim, RobotSlot } from './openpi-shapes.js';

export type {
  RobotEpisode,
  RobotFrame,
  RobotServeOptions,
  RobotSim,
  RobotSlot,
} from './openpi-shapes.js';

/** Default port of a robot URL without one (hud-python `Capability.robot`: `ws` / 9091). */
export const ROBOT_DEFAULT_PORT = 9091;

/**
 * The robot capability record (hud-python `Capability.robot`): protocol `openpi/0`, params
 * `{contract}`. A URL without a scheme gets `ws://`, one without a port gets 9091.
 * @throws HudError `invalid_argument` for a URL without a host.
 */
export function robotCapability(options: {
  name?: string;
  url: string;
  contract: RobotContract;
}): CapabilityRecord {
  const withScheme = options.url.includes('://') ? options.url : `ws://${options.url}`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(withScheme);
  } catch {
    parsed = undefined;
  }
  if (!parsed?.hostname) {
    throw new HudError(
      'invalid_argument',
      `robot url needs a host: ${JSON.stringify(options.url)}`,
    );
  }
  // WHATWG URL drops default ports; only a URL naming none gets 9091.
  const hasPort = /^[^:/?#]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):\d+/.test(withScheme);
  const url = hasPort
    ? withScheme
    : withScheme.replace(
        /^([^:/?#]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*))/,
        `$1:${ROBOT_DEFAULT_PORT}`,
      );
  return {
    name: options.name ?? 'robot',
    protocol: OPENPI_PROTOCOL,
    url,
    params: { contract: options.contract },
  };
}

/**
 * The env side of an `openpi/0` robot (spec §3.6; hud-python `RobotBridge` + `RobotEndpoint` for one slot):
 * a WebSocket server on 127.0.0.1 speaking openpi's msgpack + numpy framing, with the env as the server.
 * Each connection gets the metadata frame `{...metadata, claim_required: true}`, must answer
 * `{"claim": <token or null>}`, then gets the current observation; every `{"actions": ...}` frame steps
 * the sim once and is answered with the next observation. Errors go back as a text frame, then the
 * connection closes (1011). One agent drives the robot at a time: the slot is claimed by a token minted in
 * {@link RobotServer.reset} and freed by {@link RobotServer.result} or {@link RobotServer.release}.
 * @example
 * const robot = serveRobot(env, new ArmSim(), { contract });
 * env.template({ id: 'reach' }, async function* (args) {
 *   const { prompt, token } = await robot.reset(args);
 *   try {
 *     yield { prompt, bindings: { robot: { token } } };
 *     yield await robot.result(token);
 *   } finally {
 *     await robot.release(token);
 *   }
 * });
 */
export class RobotServer implements AsyncDisposable, RobotHost {
  readonly sim: RobotSim;
  readonly options: RobotServeOptions;
  readonly slot: RobotSlot = { token: undefined, socket: undefined, terminated: false };
  #server: WebSocketServer | undefined;
  #url: string | undefined;
  #simQueue: Promise<unknown> = Promise.resolve();
  readonly #resetWaiters: (() => void)[] = [];
  #requireToken = false;

  constructor(sim: RobotSim, options: RobotServeOptions) {
    this.sim = sim;
    this.options = options;
  }

  /**
   * Binds the WebSocket server (idempotent; again after {@link RobotServer.close}).
   * @throws the listen error (e.g. EADDRINUSE).
   */
  async start(): Promise<void> {
    if (this.#server) return;
    this.#requireToken = this.options.requireClaimToken ?? protectionByDefault();
    const { WebSocketServer } = await import('ws');
    const host = this.options.host ?? '127.0.0.1';
    const server = new WebSocketServer({
      host,
      port: this.options.port ?? 0,
      perMessageDeflate: false,
      maxPayload: this.options.maxPayloadBytes ?? 256 * 1024 * 1024,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket) => void new RobotConnection(this, socket).start());
    this.#server = server;
    const hostInUrl = host.includes(':') ? `[${host}]` : host;
    this.#url = `ws://${hostInUrl}:${(server.address() as AddressInfo).port}`;
  }

  /**
   * `ws://127.0.0.1:<port>`.
   * @throws HudError `not_ready` before {@link RobotServer.start}.
   */
  get url(): string {
    if (!this.#url) throw new HudError('not_ready', 'robot server not started: call start() first');
    return this.#url;
  }

  /** The capability to publish: `{name, protocol: 'openpi/0', url, params: {contract}}`. */
  capability(): CapabilityRecord {
    const record = robotCapability({
      name: this.options.name,
      url: this.url,
      contract: this.options.contract,
    });
    // With tokenless claims refused, only a client holding the episode's token (handed out by tasks.start
    // through the authorised control channel) can drive the robot.
    return this.#requireToken ? markProtected(record) : record;
  }

  /** The connect-time metadata frame's content. */
  get metadata(): Record<string, unknown> {
    return { ...this.options.metadata, claim_required: true };
  }

  /**
   * Claims the slot for a new episode: waits while another episode holds it, resets the sim with `args`
   * and mints the token (hud-python `RobotEndpoint.reset` → `{prompt, token}`).
   * @throws `signal.reason` when aborted while waiting; what `sim.reset` throws.
   */
  async reset(
    args: Record<string, unknown> = {},
    options: { signal?: AbortSignal } = {},
  ): Promise<RobotEpisode> {
    while (this.slot.token !== undefined) {
      options.signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          this.#resetWaiters.splice(this.#resetWaiters.indexOf(wake) >>> 0, 1);
          reject(options.signal?.reason);
        };
        const wake = () => {
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        this.#resetWaiters.push(wake);
      });
    }
    const token = `slot-0-${randomBytes(4).toString('hex')}`;
    this.slot.token = token;
    this.slot.terminated = false;
    try {
      const prompt = await this.onSim(() => this.sim.reset(args));
      return { prompt: String(prompt), token };
    } catch (error) {
      this.#free();
      throw error;
    }
  }

  /**
   * Grades the episode (`sim.result()`, or the default `{score, success, total_reward}`) and frees the
   * slot. `token` may be omitted while exactly one episode is claimed.
   * @throws HudError `invalid_argument` for an unknown token or no claimed episode; what `sim.result` throws.
   */
  async result(token?: string | null): Promise<Record<string, unknown>> {
    this.resolveSlot(token);
    try {
      return await this.onSim(async () => {
        if (this.sim.result) return this.sim.result();
        const success = this.sim.success === true;
        return {
          score: success ? 1 : 0,
          success,
          total_reward: pyFloat(this.sim.totalReward ?? 0),
        };
      });
    } finally {
      this.#free();
    }
  }

  /** Frees the slot if `token` (default: whichever) still holds it, without grading. Idempotent. */
  async release(token?: string | null): Promise<void> {
    if (this.slot.token !== undefined && (token == null || token === this.slot.token)) this.#free();
  }

  /**
   * The slot `token` names (`null`/`undefined`: the only claimed one; hud-python `_SlotRegistry.resolve`).
   * With `{claim: true}` (a connection's claim frame), a tokenless claim is refused when the server requires
   * claim tokens ({@link RobotServeOptions.requireClaimToken}).
   * @throws HudError `invalid_argument` with hud-python's message otherwise.
   */
  resolveSlot(token: unknown, options: { claim?: boolean } = {}): RobotSlot {
    if ((token === null || token === undefined) && options.claim && this.#requireToken) {
      throw new HudError(
        'invalid_argument',
        'this robot is served with a token: claim with the episode token from tasks.start',
      );
    }
    if (token === null || token === undefined) {
      if (this.slot.token === undefined) {
        throw new HudError(
          'invalid_argument',
          'tokenless claim needs exactly one claimed slot, found 0; pass the token from reset()',
        );
      }
      return this.slot;
    }
    if (typeof token !== 'string' || token !== this.slot.token) {
      throw new HudError('invalid_argument', `unknown episode token: ${pythonRepr(token)}`);
    }
    return this.slot;
  }

  /** Runs `work` after every earlier sim call finished (sim calls never overlap). */
  onSim<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.#simQueue.then(work, work);
    this.#simQueue = run.catch(() => {});
    return run;
  }

  /** Stops listening and closes every connection. Idempotent. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#url = undefined;
    if (!server) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #free(): void {
    const socket = this.slot.socket;
    this.slot.token = undefined;
    this.slot.socket = undefined;
    this.slot.terminated = false;
    socket?.close(1000, 'episode over');
    this.#resetWaiters.shift()?.();
  }
}

/**
 * Serves `sim` as a robot capability while `env` runs: an initialize hook starts a {@link RobotServer}
 * and publishes it (default name `robot`, protocol `openpi/0`, params `{contract}`), a shutdown hook
 * stops it. Returns the server, whose `reset` / `result` / `release` the templates call.
 */
export function serveRobot(
  env: Environment,
  sim: RobotSim,
  options: RobotServeOptions,
): RobotServer {
  const server = new RobotServer(sim, options);
  env.initialize(async () => {
    await server.start();
    env.addCapability(server.capability());
  });
  env.shutdown(() => server.close());
  return server;
}
