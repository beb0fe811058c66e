import { NdArray, PyFloat, packOpenPi, robotSpaces, unpackOpenPi } from '@hud/protocol';
import type { WebSocket } from 'ws';
import type { RobotFrame, RobotServeOptions, RobotSim, RobotSlot } from './openpi-shapes.js';

/** What a connection uses of its `RobotServer` (declared here, so this file does not import the server). */
export interface RobotHost {
  readonly options: RobotServeOptions;
  /** The connect-time metadata frame's content. */
  readonly metadata: Record<string, unknown>;
  readonly sim: RobotSim;
  /**
   * The slot `token` names; `{claim: true}` for a claim frame.
   * @throws HudError `invalid_argument` for an unknown token, or a refused tokenless claim.
   */
  resolveSlot(token: unknown, options?: { claim?: boolean }): RobotSlot;
  /** Runs `work` after every earlier sim call finished. */
  onSim<T>(work: () => T | Promise<T>): Promise<T>;
}

/** A refusal sent to the client as a text frame, named like the Python exception hud-python raises. */
class RobotRefusal extends Error {
  constructor(kind: 'ValueError' | 'RuntimeError' | 'TimeoutError', message: string) {
    super(message);
    this.name = kind;
  }
}

/**
 * One agent connection to a `RobotServer` (hud-python `RobotBridge._handle_client`): metadata, claim,
 * first observation, then one sim step per action frame. Frames are handled one at a time, in order.
 */
export class RobotConnection {
  readonly #server: RobotHost;
  readonly #socket: WebSocket;
  #slot: RobotSlot | undefined;
  #token: string | undefined;
  #queue: Promise<void> = Promise.resolve();
  #failed = false;
  #claimTimer: NodeJS.Timeout | undefined;

  constructor(server: RobotHost, socket: WebSocket) {
    this.#server = server;
    this.#socket = socket;
  }

  /** Sends the metadata frame and starts handling frames. */
  async start(): Promise<void> {
    const socket = this.#socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.#queue = this.#queue.then(() => this.#handle(data, isBinary));
    });
    socket.on('close', () => {
      clearTimeout(this.#claimTimer);
      // A dropped connection leaves the slot claimed: the agent may reconnect with its token.
      if (this.#slot?.socket === socket) this.#slot.socket = undefined;
    });
    socket.on('error', () => {}); // a reset peer; 'close' follows
    const timeoutMs = this.#server.options.claimTimeoutMs ?? 30_000;
    this.#claimTimer = setTimeout(() => {
      this.#queue = this.#queue.then(() =>
        this.#fail(new RobotRefusal('TimeoutError', `no claim frame within ${timeoutMs} ms`)),
      );
    }, timeoutMs);
    await this.#send(packOpenPi(this.#server.metadata));
  }

  async #handle(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.#failed) return;
    try {
      if (!isBinary) {
        throw new RobotRefusal(
          'ValueError',
          `expected a binary msgpack frame, got text: ${data.toString('utf8').slice(0, 200)}`,
        );
      }
      if (this.#slot === undefined) await this.#claim(data);
      else await this.#act(data);
    } catch (error) {
      await this.#fail(error);
    }
  }

  async #claim(data: Buffer): Promise<void> {
    clearTimeout(this.#claimTimer);
    const message = unpackOpenPi(data, 'claim frame');
    if (!isMap(message) || !('claim' in message)) {
      throw new RobotRefusal('ValueError', 'first frame must be {"claim": <token or None>}');
    }
    const slot = this.#server.resolveSlot(message.claim, { claim: true });
    if (slot.terminated) throw new RobotRefusal('RuntimeError', 'slot 0 has already terminated');
    if (slot.socket !== undefined) {
      throw new RobotRefusal('RuntimeError', 'slot 0 already has a live connection');
    }
    slot.socket = this.#socket;
    this.#slot = slot;
    this.#token = slot.token;
    await this.#observe(() => this.#server.sim.observe());
  }

  async #act(data: Buffer): Promise<void> {
    const message = unpackOpenPi(data, 'action frame');
    if (!isMap(message) || !('actions' in message)) {
      const keys = isMap(message) ? Object.keys(message).join(', ') : typeof message;
      throw new RobotRefusal(
        'ValueError',
        `an action frame is {"actions": <float32 array>}, got keys [${keys}]`,
      );
    }
    const action = this.#float32Action(message.actions);
    const slot = this.#slot as RobotSlot;
    if (slot.token === undefined || slot.token !== this.#token) {
      throw new RobotRefusal('RuntimeError', 'slot 0 is no longer claimed');
    }
    if (slot.terminated) throw new RobotRefusal('RuntimeError', 'slot 0 has already terminated');
    const sim = this.#server.sim;
    await this.#observe(async () => {
      await sim.step(action);
      return sim.observe();
    });
  }

  /** The action as float32 with its shape (hud-python `np.asarray(action, dtype=np.float32)`), checked against the contract. */
  #float32Action(actions: unknown): NdArray<Float32Array> {
    let action: NdArray<Float32Array>;
    if (actions instanceof NdArray) {
      action =
        actions.data instanceof Float32Array
          ? (actions as NdArray<Float32Array>)
          : new NdArray(Float32Array.from(actions.toArray()), actions.shape);
    } else if (Array.isArray(actions) && actions.every((value) => typeof value === 'number')) {
      action = new NdArray(Float32Array.from(actions));
    } else {
      throw new RobotRefusal(
        'ValueError',
        `'actions' must be a numeric ndarray or a list of numbers, got ${describe(actions)}`,
      );
    }
    const feature = robotSpaces(this.#server.options.contract).action;
    const shape = feature?.shape;
    if (Array.isArray(shape)) {
      const expected = shape.reduce((product: number, extent) => product * Number(extent), 1);
      if (action.size !== expected) {
        throw new RobotRefusal(
          'ValueError',
          `'actions' has ${action.size} values (shape [${action.shape.join(', ')}]); the contract's action '${feature?.name}' has shape [${shape.join(', ')}]`,
        );
      }
    }
    return action;
  }

  /** Runs `read` on the sim queue and sends the observation frame; marks the slot terminated. */
  async #observe(read: () => RobotFrame | Promise<RobotFrame>): Promise<void> {
    const frame = await this.#server.onSim(read);
    if (!isMap(frame) || !isMap(frame.data) || typeof frame.terminated !== 'boolean') {
      throw new RobotRefusal(
        'RuntimeError',
        'the sim returned an observation that is not {data: {...}, terminated: boolean}',
      );
    }
    const message: Record<string, unknown> = { ...frame.data, terminated: frame.terminated };
    if (typeof frame.reward === 'number') message.reward = PyFloat.of(frame.reward);
    if (frame.meta !== undefined) message.meta = frame.meta;
    const bytes = packOpenPi(message);
    if (frame.terminated && this.#slot) this.#slot.terminated = true;
    await this.#send(bytes);
  }

  /** Sends the error as a text frame (hud-python sends the traceback), then closes with 1011. */
  async #fail(error: unknown): Promise<void> {
    if (this.#failed) return;
    this.#failed = true;
    clearTimeout(this.#claimTimer);
    const name = error instanceof RobotRefusal ? error.name : 'ValueError';
    const text = `${name}: ${error instanceof Error ? error.message : String(error)}`;
    await this.#send(text).catch(() => {});
    this.#socket.close(1011, 'robot env error');
  }

  #send(data: Uint8Array | string): Promise<void> {
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      socket.send(data, { binary: typeof data !== 'string' }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value instanceof NdArray) return `an ndarray of ${value.dtype}`;
  if (value === null) return 'None';
  return Array.isArray(value) ? 'a list with non-numbers' : typeof value;
}
