import { randomBytes } from 'node:crypto';
import { HudError } from '@hud/protocol';
import type { CapabilityRecord } from '../capability.js';
import { markProtected, protectionByDefault } from './endpoint-protection.js';
import type { ScreenProcesses } from './screen-processes.js';

/** Options of {@link Screen} and `env.screen()`. */
export interface ScreenOptions {
  /** The capability name. Default `screen` (hud-python `Capability.rfb` default). */
  name?: string;
  /** Framebuffer width in pixels. Default 1280. */
  width?: number;
  /** Framebuffer height in pixels. Default 800. */
  height?: number;
  /** Colour depth in bits: 8, 16 or 24. Default 24. */
  depth?: number;
  /**
   * A VNC password (VNC authentication uses only its first 8 characters). Published in the capability's
   * `params.password`, as hud-python does, so agents can log in. `false`: none. Default: none (security
   * type None), unless the environment is served with a token (`serve(env, {token})`, `hud serve
   * --token`): then a fresh random 8-character password per start, so that the VNC port on 127.0.0.1 is
   * no way around the token (only clients that passed `hello` see it).
   */
  password?: string | false;
  /** Extra `Xvfb` arguments (e.g. `['-dpi', '96']`). */
  xvfbArgs?: readonly string[];
  /** Extra `x11vnc` arguments (e.g. `['-xkb']`). */
  x11vncArgs?: readonly string[];
  /** Limit for Xvfb and x11vnc to come up, in ms. Default 20 000. */
  startTimeoutMs?: number;
}

/**
 * A virtual screen: an X display (Xvfb) with a VNC server (x11vnc) bound to 127.0.0.1, published as the
 * `rfb/3.8` capability (hud-python 0.6.16 `Capability.rfb`, spec §3.5). Start X programs on it with
 * {@link Screen.processEnv}. Both daemons run in their own process groups; {@link Screen.stop} ends them.
 * Needs `Xvfb` and `x11vnc` on the PATH (Debian/Ubuntu: `apt-get install xvfb x11vnc`).
 * @example
 * const screen = env.screen({ width: 1024, height: 768 });
 * env.initialize(() => {
 *   spawn('xeyes', { env: screen.processEnv(), stdio: 'ignore' });
 * });
 */
export class Screen implements AsyncDisposable {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly #options: ScreenOptions;
  #password: string | undefined;
  #processes: ScreenProcesses | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: ScreenOptions = {}) {
    this.#options = options;
    this.name = options.name ?? 'screen';
    this.width = options.width ?? 1280;
    this.height = options.height ?? 800;
    this.depth = options.depth ?? 24;
    for (const [key, value] of [
      ['width', this.width],
      ['height', this.height],
    ] as const) {
      // RFB carries sizes as U16.
      if (!Number.isInteger(value) || value < 1 || value > 65_535) {
        throw new HudError(
          'invalid_argument',
          `screen ${key} must be 1..65535 pixels, got ${value}`,
        );
      }
    }
    if (![8, 16, 24].includes(this.depth)) {
      throw new HudError('invalid_argument', `screen depth must be 8, 16 or 24, got ${this.depth}`);
    }
  }

  /** Whether the daemons are running. */
  get started(): boolean {
    return this.#processes !== undefined;
  }

  /** The X display number (`:N`). @throws HudError `not_ready` before {@link Screen.start}. */
  get display(): number {
    return this.#running().display;
  }

  /** The `DISPLAY` value for X clients, e.g. `:1`. @throws HudError `not_ready` before start. */
  get displayName(): string {
    return `:${this.display}`;
  }

  /** The VNC server's port on 127.0.0.1. @throws HudError `not_ready` before start. */
  get port(): number {
    return this.#running().port;
  }

  /** `rfb://127.0.0.1:<port>`. @throws HudError `not_ready` before start. */
  get url(): string {
    return `rfb://127.0.0.1:${this.port}`;
  }

  /** Process ids (= process group ids) of Xvfb and x11vnc. @throws HudError `not_ready` before start. */
  get pids(): { xvfb: number; vnc: number } {
    const { xvfb, vnc } = this.#running();
    return { xvfb: xvfb.pid, vnc: vnc.pid };
  }

  /**
   * An environment for child processes that should draw on this screen: `base` (default `process.env`)
   * with `DISPLAY` set. @throws HudError `not_ready` before start.
   */
  processEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return { ...base, DISPLAY: this.displayName };
  }

  /**
   * The capability record: `{name, protocol: 'rfb/3.8', url: 'rfb://127.0.0.1:<port>', params: {display,
   * password?, width, height, horizontal_scroll: 'shift-wheel'}}` (hud-python params are
   * `{display, password?}`; the rest are hud-ts extras that Python clients ignore).
   * @throws HudError `not_ready` before start.
   */
  capability(): CapabilityRecord {
    const params: Record<string, unknown> = { display: this.display };
    if (this.#password !== undefined) params.password = this.#password;
    params.width = this.width;
    params.height = this.height;
    // x11vnc 0.9 forwards wheel buttons 1–5 only; tells RfbClient to scroll sideways with Shift + wheel.
    params.horizontal_scroll = 'shift-wheel';
    const record = { name: this.name, protocol: 'rfb/3.8', url: this.url, params };
    return this.#password === undefined ? record : markProtected(record);
  }

  /**
   * Starts Xvfb on a free display and x11vnc on a free 127.0.0.1 port, and waits until the port greets with
   * `RFB 003.008`. Idempotent until {@link Screen.stop}; a failed start can be retried.
   * @throws HudError `unsupported` when Xvfb or x11vnc is missing; `not_ready` when one fails to come up
   *   within `startTimeoutMs` (its stderr in the message).
   */
  start(): Promise<void> {
    const stopping = this.#stopping;
    this.#starting ??= (async () => {
      await stopping;
      const given = this.#options.password;
      this.#password =
        given === false
          ? undefined
          : (given ?? (protectionByDefault() ? randomBytes(6).toString('base64url') : undefined));
      const { startScreenProcesses } = await import('./screen-processes.js');
      this.#processes = await startScreenProcesses({
        width: this.width,
        height: this.height,
        depth: this.depth,
        password: this.#password,
        xvfbArgs: this.#options.xvfbArgs ?? [],
        x11vncArgs: this.#options.x11vncArgs ?? [],
        timeoutMs: this.#options.startTimeoutMs ?? 20_000,
      });
    })().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  /** Stops x11vnc, then Xvfb (each process group: SIGTERM, SIGKILL after 3 s). Idempotent. */
  stop(): Promise<void> {
    const starting = this.#starting;
    if (starting === undefined) return this.#stopping ?? Promise.resolve();
    this.#starting = undefined;
    this.#stopping = (async () => {
      await starting.catch(() => undefined);
      const processes = this.#processes;
      this.#processes = undefined;
      if (processes === undefined) return;
      await processes.vnc.stop();
      await processes.xvfb.stop();
    })();
    return this.#stopping;
  }

  /** Same as {@link Screen.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #running(): ScreenProcesses {
    if (this.#processes === undefined) {
      throw new HudError('not_ready', `screen '${this.name}' is not started yet`);
    }
    return this.#processes;
  }
}
