import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PNG } from 'pngjs';
import type { HudLogger } from '../client-options.js';
import { connectSocket } from '../connect-socket.js';
import { HudError } from '../errors.js';
import type { ProtocolClient } from '../protocol-clients.js';
import { Framebuffer, type RgbaImage } from './rfb-framebuffer.js';
import { handshake, parseRfbUrl, type ServerInit } from './rfb-handshake.js';
import { characterKeysym, keysymOf, splitChord } from './rfb-keysyms.js';
import {
  encodeFramebufferUpdateRequest,
  encodeKeyEvent,
  encodePointerEvent,
} from './rfb-messages.js';
import { SocketReader } from './rfb-reader.js';
import { ServerMessageLoop } from './rfb-server-messages.js';

/** Options of {@link RfbClient.connect}. */
export interface RfbConnectOptions {
  /** The VNC password (only its first 8 characters count, as in every VNC server). */
  password?: string;
  /** Share the desktop with other viewers (ClientInit shared-flag). Default true. */
  shared?: boolean;
  /**
   * How {@link RfbClient.scroll} scrolls sideways: `buttons` sends X wheel buttons 6/7 (RFB mask bits 5/6);
   * `shift-wheel` holds Shift and turns the vertical wheel, which GTK, Qt, Chromium and Firefox read as
   * sideways, for servers that drop buttons 6/7 (x11vnc 0.9 forwards only buttons 1–5). Default `buttons`.
   */
  horizontalScroll?: HorizontalScroll;
  /** Limit for connect + handshake, in ms. Default 15 000. */
  timeoutMs?: number;
  /** Limit for one screenshot (a framebuffer update round trip), in ms. Default 30 000. */
  updateTimeoutMs?: number;
  logger?: HudLogger;
}

/** How sideways scrolling is sent; see {@link RfbConnectOptions.horizontalScroll}. */
export type HorizontalScroll = 'buttons' | 'shift-wheel';

/** A mouse button: RFB buttons 1, 2 and 3. */
export type MouseButton = 'left' | 'middle' | 'right';

/** A point on the screen in framebuffer pixels, from the top left. */
export interface Point {
  x: number;
  y: number;
}

/** Options of {@link RfbClient.click}. */
export interface ClickOptions {
  /** Default `left`. */
  button?: MouseButton;
  /** Clicks in a row: 2 = double click, 3 = triple click. Default 1. */
  count?: number;
  /** Keys held down during the click (`['shift']`, `['ctrl']`), X keysym names or aliases. */
  holdKeys?: readonly string[];
}

/** Options of {@link RfbClient.drag}. */
export interface DragOptions {
  /** Default `left`. */
  button?: MouseButton;
  /** Pause after pressing, so the application registers a press before motion. Default 100 ms. */
  holdMs?: number;
  /** Pause between interpolated moves. Default 10 ms. */
  stepDelayMs?: number;
}

/** Wheel clicks for {@link RfbClient.scroll}: positive `dy` scrolls down, positive `dx` scrolls right. */
export interface ScrollAmount {
  dx?: number;
  dy?: number;
}

const BUTTON_MASKS: Readonly<Record<MouseButton, number>> = { left: 1, middle: 2, right: 4 };
// X wheel buttons 4–7 are bits 3–6 of the RFB button mask (RFC 6143 §7.5.5).
const WHEEL = { up: 8, down: 16, left: 32, right: 64 } as const;
const MAX_DRAG_STEPS = 24;
const SHIFT_L = 0xffe1;

/**
 * An RFB 3.8 (VNC) client for a `rfb/3.8` capability (hud-python 0.6.16 `RFBClient` + `RFBTool`
 * primitives, spec §3.5): screenshots as PNG, pointer and keyboard input. Implements RFC 6143 with
 * security None or VNC authentication, 32-bit true colour, and the Raw, CopyRect, DesktopSize and LastRect
 * encodings. Methods run one at a time in call order.
 * @example
 * await using screen = await RfbClient.connect('rfb://127.0.0.1:5900');
 * await screen.click(100, 200);
 * await screen.type('hello\n');
 * const png = await screen.screenshot();
 */
export class RfbClient implements ProtocolClient, AsyncDisposable {
  /** The desktop name from ServerInit. */
  readonly name: string;
  readonly #socket: Socket;
  readonly #framebuffer: Framebuffer;
  readonly #messages: ServerMessageLoop;
  readonly #updateTimeoutMs: number;
  readonly #horizontalScroll: HorizontalScroll;
  #failure: Error | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #buttons = 0;
  #pointer: Point = { x: 0, y: 0 };
  #closing: Promise<void> | undefined;

  private constructor(
    socket: Socket,
    reader: SocketReader,
    init: ServerInit & { updateTimeoutMs: number; horizontalScroll: HorizontalScroll },
  ) {
    this.#socket = socket;
    this.name = init.name;
    this.#framebuffer = new Framebuffer(init.width, init.height);
    this.#messages = new ServerMessageLoop(reader, this.#framebuffer);
    this.#updateTimeoutMs = init.updateTimeoutMs;
    this.#horizontalScroll = init.horizontalScroll;
    void this.#messages.run().then((failure) => {
      this.#fail(failure);
      socket.destroy();
    });
  }

  /**
   * Connects to an RFB server and completes the RFB 3.8 handshake: version, security (VNC authentication
   * when a password is given and offered, else None), ClientInit, ServerInit, then SetPixelFormat and
   * SetEncodings.
   * @param target `rfb://host:port` (port defaults to 5900), `host:port`, or `{host, port}`.
   * @throws the socket error (`ECONNREFUSED`, ...) or HudError `connection_closed` when the server hangs up
   *   during the handshake (both retried by `HudClient.open`); HudError `unsupported` (not RFB, older than
   *   3.8, no usable security type), `invalid_argument` (wrong password, not retried), `connection_failed`
   *   (the server refused the connection), `timeout`.
   */
  static async connect(
    target: string | { host: string; port: number },
    options: RfbConnectOptions = {},
  ): Promise<RfbClient> {
    const endpoint = typeof target === 'string' ? parseRfbUrl(target) : target;
    const timeoutMs = options.timeoutMs ?? 15_000;
    const socket = await connectSocket(endpoint, { timeoutMs });
    const reader = new SocketReader(socket);
    const timer = setTimeout(() => {
      reader.fail(
        new HudError(
          'timeout',
          `RFB handshake with ${endpoint.host}:${endpoint.port} took over ${timeoutMs} ms`,
        ),
      );
      socket.destroy();
    }, timeoutMs);
    try {
      const init = await handshake(socket, reader, options);
      options.logger?.debug(
        `rfb: connected to '${init.name}' ${init.width}x${init.height} at ${endpoint.host}:${endpoint.port}`,
      );
      return new RfbClient(socket, reader, {
        ...init,
        updateTimeoutMs: options.updateTimeoutMs ?? 30_000,
        horizontalScroll: options.horizontalScroll ?? 'buttons',
      });
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The framebuffer width in pixels (changes if the server resizes the desktop). */
  get width(): number {
    return this.#framebuffer.width;
  }

  /** The framebuffer height in pixels. */
  get height(): number {
    return this.#framebuffer.height;
  }

  /** Where this client last put the pointer (RFB cannot read the pointer back). */
  get pointer(): Point {
    return { ...this.#pointer };
  }

  /**
   * The whole screen now, as PNG bytes (8-bit RGB): requests a full (non-incremental) framebuffer update and
   * encodes it.
   * @throws HudError `connection_closed`, `timeout` (no update within `updateTimeoutMs`).
   */
  async screenshot(): Promise<Buffer> {
    const image = await this.capture();
    const png = new PNG({ width: image.width, height: image.height });
    png.data = image.data;
    return PNG.sync.write(png, { colorType: 2 });
  }

  /** The whole screen now, as RGBA pixels. @throws as {@link RfbClient.screenshot}. */
  capture(): Promise<RgbaImage> {
    return this.#exclusive(async () => {
      // A DesktopSize change during the update leaves the new area unpainted: ask once more.
      if (await this.#refresh()) await this.#refresh();
      return this.#framebuffer.snapshot();
    });
  }

  /** Moves the pointer to `(x, y)`, keeping held buttons held. @throws HudError `invalid_argument` off screen. */
  move(x: number, y: number): Promise<void> {
    return this.#exclusive(() => this.#move(x, y));
  }

  /** Presses a mouse button at the current pointer position. */
  mouseDown(button: MouseButton = 'left'): Promise<void> {
    return this.#exclusive(() => this.#setButtons(this.#buttons | BUTTON_MASKS[button]));
  }

  /** Releases a mouse button at the current pointer position. */
  mouseUp(button: MouseButton = 'left'): Promise<void> {
    return this.#exclusive(() => this.#setButtons(this.#buttons & ~BUTTON_MASKS[button]));
  }

  /**
   * Moves to `(x, y)` and clicks `count` times (hud-python `click(x, y, button, hold_keys, count)`).
   * @throws HudError `invalid_argument` for a point off screen, a bad count or an unknown key.
   */
  async click(x: number, y: number, options: ClickOptions = {}): Promise<void> {
    const mask = BUTTON_MASKS[options.button ?? 'left'];
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 10) {
      throw new HudError('invalid_argument', `click count must be 1..10, got ${count}`);
    }
    const held = (options.holdKeys ?? []).map(keysymOf);
    return this.#exclusive(async () => {
      await this.#move(x, y);
      for (const keysym of held) await this.#send(encodeKeyEvent(keysym, true));
      for (let click = 0; click < count; click++) {
        await this.#setButtons(this.#buttons | mask);
        await this.#setButtons(this.#buttons & ~mask);
      }
      for (const keysym of [...held].reverse()) await this.#send(encodeKeyEvent(keysym, false));
    });
  }

  /**
   * Presses at the first point, moves through the others (interpolating long segments, at most 24 moves
   * each) and releases at the last (hud-python `drag(path)`).
   * @throws HudError `invalid_argument` for fewer than 2 points or a point off screen.
   */
  async drag(path: readonly Point[], options: DragOptions = {}): Promise<void> {
    const [start, ...rest] = path;
    if (start === undefined || rest.length === 0) {
      throw new HudError('invalid_argument', 'drag needs a path of at least 2 points');
    }
    for (const point of path) this.#checkPoint(point.x, point.y);
    const mask = BUTTON_MASKS[options.button ?? 'left'];
    const stepDelayMs = options.stepDelayMs ?? 10;
    return this.#exclusive(async () => {
      await this.#move(start.x, start.y);
      await this.#setButtons(this.#buttons | mask);
      await sleep(options.holdMs ?? 100);
      let from = start;
      for (const to of rest) {
        const steps = Math.min(
          MAX_DRAG_STEPS,
          Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / 20)),
        );
        for (let step = 1; step <= steps; step++) {
          const x = Math.round(from.x + ((to.x - from.x) * step) / steps);
          const y = Math.round(from.y + ((to.y - from.y) * step) / steps);
          await this.#move(x, y);
          if (stepDelayMs > 0) await sleep(stepDelayMs);
        }
        from = to;
      }
      await this.#setButtons(this.#buttons & ~mask);
    });
  }

  /**
   * Moves to `(x, y)` and turns the wheel: `dy` clicks down (negative: up) with X buttons 5/4, then `dx`
   * clicks right (negative: left) with X buttons 7/6 or Shift + 5/4 (see
   * {@link RfbConnectOptions.horizontalScroll}). hud-python ignores horizontal scrolling; we do not.
   * @throws HudError `invalid_argument` for a point off screen or non-integer amounts.
   */
  async scroll(x: number, y: number, amount: ScrollAmount): Promise<void> {
    const dx = amount.dx ?? 0;
    const dy = amount.dy ?? 0;
    if (!Number.isInteger(dx) || !Number.isInteger(dy)) {
      throw new HudError('invalid_argument', `scroll amounts must be integers, got ${dx}, ${dy}`);
    }
    const shiftWheel = this.#horizontalScroll === 'shift-wheel';
    return this.#exclusive(async () => {
      await this.#move(x, y);
      await this.#wheel(dy > 0 ? WHEEL.down : WHEEL.up, Math.abs(dy));
      if (dx === 0) return;
      if (!shiftWheel) return this.#wheel(dx > 0 ? WHEEL.right : WHEEL.left, Math.abs(dx));
      await this.#send(encodeKeyEvent(SHIFT_L, true));
      await this.#wheel(dx > 0 ? WHEEL.down : WHEEL.up, Math.abs(dx));
      await this.#send(encodeKeyEvent(SHIFT_L, false));
    });
  }

  /** Presses a key (X keysym name, alias or character; see `keysymOf`) without releasing it. */
  async keyDown(key: string): Promise<void> {
    const keysym = keysymOf(key);
    return this.#exclusive(() => this.#send(encodeKeyEvent(keysym, true)));
  }

  /** Releases a key pressed with {@link RfbClient.keyDown}. */
  async keyUp(key: string): Promise<void> {
    const keysym = keysymOf(key);
    return this.#exclusive(() => this.#send(encodeKeyEvent(keysym, false)));
  }

  /**
   * Presses a chord: `'ctrl+c'`, `'Return'`, or `['ctrl', 'shift', 't']`. Keys go down in order and come up
   * in reverse (hud-python `press_keys`).
   * @throws HudError `invalid_argument` for an unknown key or a malformed chord.
   */
  async keyPress(keys: string | readonly string[]): Promise<void> {
    const keysyms = (typeof keys === 'string' ? splitChord(keys) : keys).map(keysymOf);
    if (keysyms.length === 0) throw new HudError('invalid_argument', 'keyPress needs a key');
    return this.#exclusive(async () => {
      for (const keysym of keysyms) await this.#send(encodeKeyEvent(keysym, true));
      for (const keysym of [...keysyms].reverse()) await this.#send(encodeKeyEvent(keysym, false));
    });
  }

  /**
   * Types `text` key by key: `\n`/`\r` → Return, `\t` → Tab, other characters by their keysym (the VNC
   * server adds Shift where the character needs it).
   * @throws HudError `invalid_argument` for control characters other than `\n`, `\r`, `\t`, `\b`, ESC.
   */
  async type(text: string): Promise<void> {
    const keysyms = [...text].map(characterKeysym);
    return this.#exclusive(async () => {
      for (const keysym of keysyms) {
        await this.#send(encodeKeyEvent(keysym, true));
        await this.#send(encodeKeyEvent(keysym, false));
      }
    });
  }

  /** Closes the connection (releasing held buttons first). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#failure === undefined && this.#buttons !== 0) {
        await this.#setButtons(0).catch(() => undefined);
      }
      this.#fail(new HudError('connection_closed', 'the RFB client is closed'));
      if (!this.#socket.destroyed) {
        const closed = once(this.#socket, 'close');
        this.#socket.destroy();
        await closed;
      }
    })();
    return this.#closing;
  }

  /** Same as {@link RfbClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#failure !== undefined) throw this.#failure;
      return operation();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #checkPoint(x: number, y: number): void {
    const { width, height } = this.#framebuffer;
    if (
      !Number.isInteger(x) ||
      !Number.isInteger(y) ||
      x < 0 ||
      y < 0 ||
      x >= width ||
      y >= height
    ) {
      throw new HudError(
        'invalid_argument',
        `point (${x}, ${y}) is outside the ${width}x${height} screen (integer pixels from the top left)`,
      );
    }
  }

  async #move(x: number, y: number): Promise<void> {
    this.#checkPoint(x, y);
    this.#pointer = { x, y };
    await this.#send(encodePointerEvent(x, y, this.#buttons));
  }

  async #wheel(bit: number, clicks: number): Promise<void> {
    for (let click = 0; click < clicks; click++) {
      await this.#setButtons(this.#buttons | bit);
      await this.#setButtons(this.#buttons & ~bit);
    }
  }

  async #setButtons(mask: number): Promise<void> {
    this.#buttons = mask;
    await this.#send(encodePointerEvent(this.#pointer.x, this.#pointer.y, mask));
  }

  #send(bytes: Buffer): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Sends a full update request and waits for the next FramebufferUpdate (only one is ever asked for). */
  async #refresh(): Promise<boolean> {
    const { width, height } = this.#framebuffer;
    const updated = this.#messages.nextUpdate(this.#updateTimeoutMs);
    // The waiter exists before the request goes out, so even an instant reply finds it.
    updated.catch(() => undefined);
    await this.#send(encodeFramebufferUpdateRequest({ x: 0, y: 0, width, height }, false));
    return updated;
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#messages.fail(this.#failure);
  }
}
