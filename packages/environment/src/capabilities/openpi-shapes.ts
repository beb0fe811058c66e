import type { NdArray, RobotContract } from '@hud/protocol';
import type { WebSocket } from 'ws';

// The plain shapes of an `openpi/0` robot capability (spec §3.6): what a sim implements, how it is served,
// an episode and the slot it holds. Apart from `openpi.ts` so a connection can use them without the server.

/** What the sim reports after a reset or a step: the flat observation frame's parts (spec §3.6). */
export interface RobotFrame {
  /** Observation fields by name: NdArrays or typed arrays (sent as ndarrays), numbers, strings. */
  data: Record<string, unknown>;
  terminated: boolean;
  /** Sent as a float when given. */
  reward?: number;
  /** Realtime bridges' `{obs_index, queue_remaining, delay, unexecuted_chunk}`. */
  meta?: Record<string, unknown>;
}

/**
 * A simulated (or real) robot behind an `openpi/0` capability (hud-python `RobotBridge` with one slot).
 * Calls are never concurrent: the server runs them one at a time, in order.
 */
export interface RobotSim {
  /** Starts a new episode with the template's args; returns the task prompt. */
  reset(args: Record<string, unknown>): string | Promise<string>;
  /** Advances one control step with the agent's action (float32, the shape the agent sent). */
  step(action: NdArray<Float32Array>): void | Promise<void>;
  /** The current observation. */
  observe(): RobotFrame | Promise<RobotFrame>;
  /**
   * The episode's grade. Default (hud-python `result_slots`): `{score: 1.0|0.0, success, total_reward}`
   * from the sim's `success` and `totalReward` properties.
   */
  result?(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Read by the default {@link RobotSim.result}. */
  readonly success?: boolean;
  /** Read by the default {@link RobotSim.result}. */
  readonly totalReward?: number;
}

/** Options of `RobotServer` and `serveRobot`. */
export interface RobotServeOptions {
  /** Published as the capability's `params.contract`: `{robot_type, control_rate, features}`. */
  contract: RobotContract;
  /** Capability name (default `robot`). */
  name?: string;
  /** Address to bind (default `127.0.0.1`; agents reach it through `tunnel.open`). */
  host?: string;
  /** Port (default 0, any free port). */
  port?: number;
  /** Extra keys of the connect-time metadata frame (`claim_required: true` is always set). */
  metadata?: Record<string, unknown>;
  /** How long a new connection may take to send its claim frame, ms (default 30 000, hud-python's). */
  claimTimeoutMs?: number;
  /** Largest frame accepted, bytes (default 256 MiB). */
  maxPayloadBytes?: number;
  /**
   * Refuse tokenless claims (`{"claim": null}`), so only a client that got the episode's token through
   * `tasks.start` can drive the robot. Default: on when the environment is served with a token
   * (`hud serve --token`), off otherwise (hud-python accepts a tokenless claim of the only slot).
   */
  requireClaimToken?: boolean;
}

/** An episode claimed by `RobotServer.reset`: the prompt and the token agents claim the slot with. */
export interface RobotEpisode {
  prompt: string;
  /** `slot-0-<8 hex>`; publish it as the per-episode binding `{robot: {token}}`. */
  token: string;
}

/** The one slot of a single-env robot. */
export interface RobotSlot {
  token: string | undefined;
  /** The connection driving it, if one is live. */
  socket: WebSocket | undefined;
  terminated: boolean;
}
