import type { WebSocket } from 'ws';
import type { HudLogger } from '../client-options.js';
import { HudError } from '../errors.js';
import { isRecord } from '../guards.js';
import type { ProtocolClient, ProtocolClientContext } from '../protocol-clients.js';
import { withTimeLimit } from '../time-limit.js';
import { type RobotContract, type RobotSpaces, robotSpaces } from './openpi-contract.js';
import { RobotEnvError } from './openpi-error.js';
import { packOpenPi, unpackOpenPi } from './openpi-msgpack.js';
import { isNumericTypedArray, NdArray, type NumericTypedArray } from './openpi-ndarray.js';

/** The protocol id robot capabilities publish (hud-python `Capability.robot`, spec §3.6). */
export const OPENPI_PROTOCOL = 'openpi/0';

/** The binding fields {@link OpenPiClient.connect} reads (a `hello` binding or an env-side record). */
export interface OpenPiBinding {
  readonly name: string;
  readonly protocol: string;
  /** `ws://host:port` of the robot WebSocket (through `HudClient.binding`, the local forwarder). */
  readonly url: string;
  /** `{contract: {...}}`. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Options of {@link OpenPiClient.connect}. */
export interface OpenPiConnectOptions {
  /**
   * The episode's claim token (`tasks.start` → `bindings.robot.token`). `null` claims the env's only
   * claimed slot. Sent as `{"claim": token}` when given or when the metadata says `claim_required`.
   */
  token?: string | null;
  /** How long to wait for the metadata frame, and after the claim for the first observation, ms (default 30 000). */
  timeoutMs?: number;
  /** Largest frame accepted, bytes (default 256 MiB; hud-python sets no limit). */
  maxPayloadBytes?: number;
  logger?: HudLogger;
}

/**
 * One observation, regrouped from the flat wire frame `{<name>: ndarray, …, terminated, reward?, meta?}`
 * (hud-python `RobotClient.get_observation`): the named fields under `data`, arrays as {@link NdArray}s.
 */
export interface RobotObservation {
  data: Record<string, unknown>;
  terminated: boolean;
  /** Present when the env sends one. */
  reward?: number;
  /** Realtime bridges: `{obs_index, queue_remaining, delay, unexecuted_chunk}`. */
  meta?: Record<string, unknown>;
}

/** An action: a float32-convertible array, or an {@link NdArray} (shape kept; values cast to float32). */
export type RobotAction = NdArray | NumericTypedArray | readonly number[];

/** Options of {@link OpenPiClient.observation} and {@link OpenPiClient.step}. */
export interface ObservationWaitOptions {
  /** Rejects with HudError `timeout` after this long, ms (default: wait as long as the connection lives). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type Inbound = { frame: Record<string, unknown> } | { error: Error };
interface Waiter {
  resolve(item: Inbound): void;
  reject(error: Error): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_PAYLOAD = 256 * 1024 * 1024;

/**
 * The agent-side client of an `openpi/0` robot capability (hud-python `RobotClient`, spec §3.6): a WebSocket
 * to the env (the env is the server), msgpack frames with openpi's numpy extension. Connecting reads the
 * metadata frame and, when the env requires it, claims the episode's slot with its token; then the agent
 * loops `observation()` → `sendAction()` (or `step()`). Like hud-python, only the latest unread observation
 * is kept. `HudClient.open('robot')` connects one with the token from `tasks.start`'s bindings.
 * @example
 * const robot = await client.open<OpenPiClient>('robot');
 * let observation = await robot.observation();
 * while (!observation.terminated) observation = await robot.step(policy(observation.data));
 */
export class OpenPiClient implements ProtocolClient, AsyncDisposable {
  readonly binding: OpenPiBinding;
  /** The env's connect-time metadata frame (e.g. `{claim_required: true}`); `{}` until connected. */
  metadata: Record<string, unknown> = {};
  readonly #socket: WebSocket;
  readonly #logger: HudLogger | undefined;
  #phase: 'connect' | 'claim' | 'episode' = 'connect';
  #metadataWaiter: Waiter | undefined;
  #latest: Inbound | undefined;
  readonly #waiters: Waiter[] = [];
  #ended: HudError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(binding: OpenPiBinding, socket: WebSocket, logger: HudLogger | undefined) {
    this.binding = binding;
    this.#socket = socket;
    this.#logger = logger;
    socket.on('message', (data: Buffer, isBinary: boolean) => this.#receive(data, isBinary));
    socket.on('error', (error: Error) => {
      const wrapped = connectionError(binding, error);
      this.#end(this.#phase === 'connect' ? wrapped : closedError(binding, error.message, error));
    });
    socket.on('close', (code: number, reason: Buffer) => {
      const text = reason.toString('utf8');
      this.#end(closedError(binding, `code ${code}${text ? `: ${text}` : ''}`));
    });
  }

  /**
   * Connects to `binding.url`, reads the metadata frame, and claims the slot when `options.token` is given
   * or the metadata has `claim_required`, waiting for the first observation (kept for `observation()`).
   * @throws HudError `connection_failed` / `connection_closed` when the env cannot be reached (retried by
   *   `HudClient.open`); RobotEnvError when the env answers with a text frame (an unknown token, a slot
   *   another client holds); HudError `timeout` without metadata or first observation within `timeoutMs`;
   *   HudError `invalid_frame` for a frame that is not openpi msgpack.
   */
  static async connect(
    binding: OpenPiBinding,
    options: OpenPiConnectOptions = {},
  ): Promise<OpenPiClient> {
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(binding.url, {
      maxPayload: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD,
      perMessageDeflate: false,
    });
    const client = new OpenPiClient(binding, socket, options.logger);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      await withTimeLimit(
        new Promise<Inbound>((resolve, reject) => {
          client.#metadataWaiter = { resolve, reject };
        }),
        timeoutMs,
        () =>
          new HudError(
            'timeout',
            `robot capability '${binding.name}' sent no metadata within ${timeoutMs} ms`,
          ),
      );
      client.#phase = 'claim';
      if (client.metadata.claim_required === true || options.token !== undefined) {
        await client.#send({ claim: options.token ?? null });
        const first = await client.#next({ timeoutMs });
        if ('error' in first) throw first.error;
        client.#latest ??= first;
      }
      client.#phase = 'episode';
      return client;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** The env's contract from the binding's `params.contract` (`{robot_type, control_rate, features}`). */
  get contract(): RobotContract {
    const contract = this.binding.params?.contract;
    return typeof contract === 'object' && contract !== null
      ? (contract as RobotContract)
      : { features: {} };
  }

  /** The contract's features split into the action feature and the observation features. */
  spaces(): RobotSpaces {
    return robotSpaces(this.contract);
  }

  /** False once the WebSocket closed. */
  get connected(): boolean {
    return this.#ended === undefined;
  }

  /**
   * The latest unread observation, waiting for the next one when there is none.
   * @throws RobotEnvError when the env sent an error (text) frame; HudError `invalid_frame` for a frame that
   *   does not decode; `connection_closed` once the connection is gone; `timeout`; `signal.reason`.
   */
  async observation(options: ObservationWaitOptions = {}): Promise<RobotObservation> {
    const item = await this.#next(options);
    if ('error' in item) throw item.error;
    const { terminated, reward, meta, ...data } = item.frame;
    const observation: RobotObservation = { data, terminated: Boolean(terminated) };
    if (typeof reward === 'number') observation.reward = reward;
    if (typeof meta === 'object' && meta !== null) {
      observation.meta = meta as Record<string, unknown>;
    }
    return observation;
  }

  /**
   * Sends one action as `{"actions": float32 array}` (openpi's key; the shape of an NdArray is kept).
   * @throws HudError `connection_closed`; `invalid_argument` for an action that is not numeric.
   */
  async sendAction(action: RobotAction): Promise<void> {
    await this.#send({ actions: float32(action) });
  }

  /**
   * Sends a whole action chunk `[chunk_len, action_dim]` to a realtime env, with the index of the observation
   * it was inferred from and the delay the policy conditioned on.
   * @throws as {@link OpenPiClient.sendAction}.
   */
  async sendChunk(
    chunk: RobotAction,
    options: { obsIndex?: number; delayUsed?: number } = {},
  ): Promise<void> {
    await this.#send({
      actions: float32(chunk),
      obs_index: options.obsIndex,
      delay_used: options.delayUsed,
    });
  }

  /**
   * Sends `action` and waits for the observation that follows it (an unread older one is dropped).
   * @throws as {@link OpenPiClient.sendAction} and {@link OpenPiClient.observation}.
   */
  async step(action: RobotAction, options: ObservationWaitOptions = {}): Promise<RobotObservation> {
    this.#latest = undefined;
    await this.sendAction(action);
    return this.observation(options);
  }

  /** Closes the WebSocket (the env keeps the slot until the task is graded). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const socket = this.#socket;
      this.#end(closedError(this.binding, 'closed by the client'));
      if (socket.readyState === socket.CLOSED) return resolve();
      // A peer that never answers the close handshake must not keep us waiting.
      const timer = setTimeout(() => socket.terminate(), 2_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === socket.CONNECTING) socket.terminate();
      else socket.close(1000);
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #receive(data: Buffer, isBinary: boolean): void {
    let item: Inbound;
    if (!isBinary) {
      item = { error: new RobotEnvError(this.#phase, data.toString('utf8')) };
    } else {
      try {
        const frame = unpackOpenPi(data, `robot '${this.binding.name}' frame`);
        item = isRecord(frame)
          ? { frame }
          : {
              error: new HudError(
                'invalid_frame',
                `robot '${this.binding.name}' sent a frame that is not a map`,
              ),
            };
      } catch (error) {
        item = { error: error as Error };
      }
    }
    const metadataWaiter = this.#metadataWaiter;
    if (metadataWaiter) {
      this.#metadataWaiter = undefined;
      if ('error' in item) metadataWaiter.reject(item.error);
      else {
        this.metadata = item.frame;
        metadataWaiter.resolve(item);
      }
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.#latest = item; // hud-python keeps one (the newest) unread frame
  }

  #end(error: HudError): void {
    if (this.#ended) return;
    this.#ended = error;
    this.#logger?.debug(error.message);
    this.#metadataWaiter?.reject(error);
    this.#metadataWaiter = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #next(options: ObservationWaitOptions): Promise<Inbound> {
    const latest = this.#latest;
    if (latest) {
      this.#latest = undefined;
      return Promise.resolve(latest);
    }
    if (this.#ended) return Promise.reject(this.#ended);
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Inbound>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
      };
      const waiter: Waiter = {
        resolve: (item) => {
          cleanup();
          resolve(item);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = () => waiter.reject(signal?.reason);
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            waiter.reject(
              new HudError(
                'timeout',
                `no observation from robot '${this.binding.name}' within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  async #send(message: Record<string, unknown>): Promise<void> {
    const frame = packOpenPi(message);
    if (this.#ended) throw this.#ended;
    await new Promise<void>((resolve, reject) => {
      this.#socket.send(frame, { binary: true }, (error) =>
        error ? reject(closedError(this.binding, error.message, error)) : resolve(),
      );
    });
  }
}

/** `action` as a float32 NdArray (hud-python `np.asarray(action, dtype=np.float32)`). */
function float32(action: RobotAction): NdArray<Float32Array> {
  if (action instanceof NdArray) {
    if (action.data instanceof Float32Array) return action as NdArray<Float32Array>;
    return new NdArray(Float32Array.from(action.toArray()), action.shape);
  }
  if (isNumericTypedArray(action)) {
    return new NdArray(Float32Array.from(action as ArrayLike<number | bigint>, Number));
  }
  if (Array.isArray(action) && action.every((value) => typeof value === 'number')) {
    return new NdArray(Float32Array.from(action));
  }
  throw new HudError(
    'invalid_argument',
    'robot action must be an NdArray, a typed array or an array of numbers',
  );
}

function connectionError(binding: OpenPiBinding, error: Error): HudError {
  return new HudError(
    'connection_failed',
    `robot capability '${binding.name}' at ${binding.url}: ${error.message}`,
    { cause: error },
  );
}

function closedError(binding: OpenPiBinding, detail: string, cause?: unknown): HudError {
  return new HudError(
    'connection_closed',
    `robot connection '${binding.name}' closed (${detail})`,
    {
      cause,
    },
  );
}

/**
 * The `HudClient.open` factory for `openpi*` bindings: connects with the claim token of the episode
 * (`tasks.start` → `bindings.<name>.token`) when there is one. Registered for the `openpi` family.
 */
export function openPiClientFactory(
  binding: OpenPiBinding,
  context: ProtocolClientContext,
): Promise<OpenPiClient> {
  const token = context.episode?.token;
  return OpenPiClient.connect(binding, {
    token: typeof token === 'string' ? token : undefined,
    logger: context.logger,
  });
}
