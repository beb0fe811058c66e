import { setTimeout as sleep } from 'node:timers/promises';
import { HudError, type JsonObject, type MouseButton, type RfbClient } from '@hud/protocol';
import { GEMINI_GRID_SIZE, geminiToPixels } from './computer-coordinates.js';
import { type AgentTool, errorOutput, type ToolOutput, type ToolProvider } from './tool.js';

/** The part of an `RfbClient` the computer tool drives (structural, so tests can pass a fake). */
export type ComputerScreen = Pick<
  RfbClient,
  | 'width'
  | 'height'
  | 'pointer'
  | 'screenshot'
  | 'move'
  | 'click'
  | 'mouseDown'
  | 'mouseUp'
  | 'drag'
  | 'scroll'
  | 'type'
  | 'keyPress'
>;

/** The actions of the computer tool. */
export const COMPUTER_ACTIONS = [
  'screenshot',
  'click',
  'double_click',
  'triple_click',
  'right_click',
  'middle_click',
  'move',
  'mouse_down',
  'mouse_up',
  'drag',
  'scroll',
  'type',
  'key',
  'wait',
  'cursor_position',
] as const;

/** One of {@link COMPUTER_ACTIONS}. */
export type ComputerAction = (typeof COMPUTER_ACTIONS)[number];

/** Input of the computer tool; which fields an action needs is in its input schema. */
export interface ComputerToolInput extends JsonObject {
  action?: ComputerAction;
  x?: number;
  y?: number;
  button?: MouseButton;
  hold_keys?: string[];
  path?: { x: number; y: number }[];
  direction?: 'up' | 'down' | 'left' | 'right';
  amount?: number;
  text?: string;
  keys?: string;
  seconds?: number;
}

/** Options of {@link computerTool}. */
export interface ComputerToolOptions {
  /** Tool name (default `computer`). */
  name?: string;
  /**
   * How coordinates in the input are read: `pixels` (default), or `gemini`: Gemini's normalized 0–999 grid,
   * converted with {@link geminiToPixels}.
   */
  coordinates?: 'pixels' | 'gemini';
  /** Pause between an action and the screenshot that follows it, so the screen can settle, ms (default 500). */
  screenshotDelayMs?: number;
  /** Longest `wait`, seconds (default 30). */
  maxWaitSeconds?: number;
}

const CLICKS: Partial<Record<ComputerAction, { button: MouseButton; count: number }>> = {
  double_click: { button: 'left', count: 2 },
  triple_click: { button: 'left', count: 3 },
  right_click: { button: 'right', count: 1 },
  middle_click: { button: 'middle', count: 1 },
};
const BUTTONS: readonly MouseButton[] = ['left', 'middle', 'right'];

/** A mistake in the model's input: reported back as an error result, not thrown. */
class InputError extends Error {}

/**
 * The provider-neutral `computer` tool over an `rfb/3.8` screen (hud-ts's counterpart of hud-python's
 * `RFBTool` primitives behind Claude's `computer`, OpenAI's `computer` and Gemini's computer-use
 * functions, spec §3.5, §7.5): screenshot, clicks, pointer moves and drags, wheel scrolling in all four
 * directions, typing, key chords and waiting. Every action but `screenshot` and `cursor_position` answers
 * with a screenshot taken after it. Coordinates are integer pixels from the top left, or Gemini's 0–999
 * grid with `coordinates: 'gemini'`. Bad input (a point off screen, an unknown key) resolves with
 * `isError`; a lost connection rejects.
 */
export function computerTool(
  screen: ComputerScreen,
  options: ComputerToolOptions = {},
): AgentTool<ComputerToolInput> {
  const name = options.name ?? 'computer';
  const gemini = options.coordinates === 'gemini';
  const delayMs = options.screenshotDelayMs ?? 500;
  const maxWaitSeconds = options.maxWaitSeconds ?? 30;
  const coordinateText = gemini
    ? `Coordinates are on a normalized 0-${GEMINI_GRID_SIZE - 1} grid on each axis, from the top left.`
    : `The screen is ${screen.width}x${screen.height} pixels; coordinates are integer pixels from the top left.`;

  const point = (x: unknown, y: unknown, what = 'x and y'): { x: number; y: number } => {
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x + y)) {
      throw new InputError(`${what} must be numbers`);
    }
    if (!gemini) return { x: Math.round(x), y: Math.round(y) };
    if (x < 0 || y < 0 || x >= GEMINI_GRID_SIZE || y >= GEMINI_GRID_SIZE) {
      throw new InputError(`${what} must lie on the 0-${GEMINI_GRID_SIZE - 1} grid`);
    }
    return geminiToPixels({ x, y }, screen);
  };
  const pointOrPointer = (input: ComputerToolInput) =>
    input.x === undefined && input.y === undefined ? screen.pointer : point(input.x, input.y);
  const button = (input: ComputerToolInput, fallback: MouseButton): MouseButton => {
    if (input.button === undefined) return fallback;
    if (!BUTTONS.includes(input.button))
      throw new InputError('button must be left, middle or right');
    return input.button;
  };
  const holdKeys = (input: ComputerToolInput): string[] => {
    const keys = input.hold_keys ?? [];
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
      throw new InputError('hold_keys must be a list of key names');
    }
    return keys;
  };
  const text = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value === '') {
      throw new InputError(`${field} must be a non-empty string`);
    }
    return value;
  };

  /** Performs the action; returns what it did in words, or an output that needs no screenshot. */
  const perform = async (
    action: ComputerAction | undefined,
    input: ComputerToolInput,
    signal: AbortSignal | undefined,
  ): Promise<string | ToolOutput> => {
    const click = action === undefined ? undefined : CLICKS[action];
    if (action === 'click' || click !== undefined) {
      const at = point(input.x, input.y);
      const chosen = click ?? { button: button(input, 'left'), count: 1 };
      await screen.click(at.x, at.y, { ...chosen, holdKeys: holdKeys(input) });
      return `${action} at (${at.x}, ${at.y})`;
    }
    switch (action) {
      case 'screenshot':
        return imageOutput('screenshot', await screen.screenshot());
      case 'cursor_position': {
        const { x, y } = screen.pointer;
        return { content: [{ type: 'text', text: `the pointer is at (${x}, ${y})` }] };
      }
      case 'move': {
        const at = point(input.x, input.y);
        await screen.move(at.x, at.y);
        return `moved the pointer to (${at.x}, ${at.y})`;
      }
      case 'mouse_down':
      case 'mouse_up': {
        const at = pointOrPointer(input);
        await screen.move(at.x, at.y);
        const pressed = button(input, 'left');
        await (action === 'mouse_down' ? screen.mouseDown(pressed) : screen.mouseUp(pressed));
        return `${action === 'mouse_down' ? 'pressed' : 'released'} ${pressed} at (${at.x}, ${at.y})`;
      }
      case 'drag': {
        if (!Array.isArray(input.path) || input.path.length < 2) {
          throw new InputError('drag needs a path of at least 2 points [{x, y}, ...]');
        }
        const path = input.path.map((each, index) => point(each?.x, each?.y, `path[${index}]`));
        await screen.drag(path, { button: button(input, 'left') });
        const end = path[path.length - 1];
        return `dragged from (${path[0]?.x}, ${path[0]?.y}) to (${end?.x}, ${end?.y})`;
      }
      case 'scroll': {
        const amount = input.amount ?? 3;
        if (!Number.isInteger(amount) || amount < 1 || amount > 100) {
          throw new InputError('amount must be a whole number of wheel clicks, 1-100');
        }
        const at = pointOrPointer(input);
        const signs = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] } as const;
        const sign = input.direction === undefined ? undefined : signs[input.direction];
        if (sign === undefined) throw new InputError('direction must be up, down, left or right');
        await screen.scroll(at.x, at.y, { dx: sign[0] * amount, dy: sign[1] * amount });
        return `scrolled ${input.direction} by ${amount} at (${at.x}, ${at.y})`;
      }
      case 'type': {
        const typed = text(input.text, 'text');
        await screen.type(typed);
        return `typed ${typed.length} characters`;
      }
      case 'key': {
        // xdotool-style: chords joined by '+', several chords separated by spaces.
        const chords = text(input.keys, 'keys').trim().split(/\s+/);
        for (const chord of chords) await screen.keyPress(chord);
        return `pressed ${chords.join(' ')}`;
      }
      case 'wait': {
        const seconds = input.seconds ?? 1;
        if (typeof seconds !== 'number' || !(seconds >= 0) || seconds > maxWaitSeconds) {
          throw new InputError(`seconds must be between 0 and ${maxWaitSeconds}`);
        }
        await pause(seconds * 1000, signal);
        return `waited ${seconds} s`;
      }
      default:
        throw new InputError(`action must be one of ${COMPUTER_ACTIONS.join(', ')}`);
    }
  };

  return {
    name,
    description:
      'Control the computer screen with mouse and keyboard and see it. Actions: screenshot, click, ' +
      'double_click, triple_click, right_click, middle_click, move, mouse_down, mouse_up, drag, scroll, ' +
      'type, key, wait, cursor_position. Every action except screenshot and cursor_position returns a ' +
      `screenshot taken after it. ${coordinateText}`,
    inputSchema: {
      type: 'object',
      properties: {
        action: { type: 'string', enum: [...COMPUTER_ACTIONS] },
        x: {
          type: 'number',
          description: 'Horizontal coordinate (clicks, move, mouse_down/up, scroll).',
        },
        y: {
          type: 'number',
          description: 'Vertical coordinate (clicks, move, mouse_down/up, scroll).',
        },
        button: {
          type: 'string',
          enum: [...BUTTONS],
          description: 'Mouse button for click, mouse_down, mouse_up and drag (default left).',
        },
        hold_keys: {
          type: 'array',
          items: { type: 'string' },
          description: 'Keys held during a click, e.g. ["shift"] or ["ctrl"].',
        },
        path: {
          type: 'array',
          items: {
            type: 'object',
            properties: { x: { type: 'number' }, y: { type: 'number' } },
            required: ['x', 'y'],
          },
          minItems: 2,
          description:
            'drag: press at the first point, move through the rest, release at the last.',
        },
        direction: {
          type: 'string',
          enum: ['up', 'down', 'left', 'right'],
          description: 'scroll direction.',
        },
        amount: {
          type: 'integer',
          minimum: 1,
          maximum: 100,
          description: 'scroll: wheel clicks (default 3).',
        },
        text: { type: 'string', description: 'type: the text to type; \\n presses Return.' },
        keys: {
          type: 'string',
          description:
            'key: X keysym names joined by + for a chord, chords separated by spaces, e.g. "ctrl+c", "Return", "ctrl+a BackSpace".',
        },
        seconds: {
          type: 'number',
          minimum: 0,
          maximum: maxWaitSeconds,
          description: 'wait: how long (default 1).',
        },
      },
      required: ['action'],
    },
    async run(input, runOptions = {}) {
      const { signal } = runOptions;
      signal?.throwIfAborted();
      let done: string | ToolOutput;
      try {
        done = await perform(input.action, input, signal);
      } catch (error) {
        if (error instanceof InputError) return errorOutput(`${name}: ${error.message}`);
        if (HudError.isInstance(error) && error.code === 'invalid_argument') {
          return errorOutput(`${name}: ${error.message}`);
        }
        throw error;
      }
      if (typeof done !== 'string') return done;
      if (delayMs > 0) await pause(delayMs, signal);
      return imageOutput(done, await screen.screenshot());
    },
  };
}

/** Sleeps `ms`; rejects with `signal.reason` when aborted (timers/promises rejects with its own AbortError). */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  }
}

function imageOutput(caption: string, png: Buffer): ToolOutput {
  return {
    content: [
      { type: 'text', text: caption },
      { type: 'image', data: png.toString('base64'), mimeType: 'image/png' },
    ],
  };
}

/**
 * The {@link ToolProvider} for screens: for the first `rfb/*` binding (hud-python opens only the first per
 * protocol, spec §7.4), the `computer` tool over its `RfbClient`.
 * @example
 * const tools = await buildToolset(context, [sshToolProvider(), computerToolProvider()]);
 */
export function computerToolProvider(options: ComputerToolOptions = {}): ToolProvider {
  return {
    protocol: 'rfb',
    create: (client) => [computerTool(client as RfbClient, options)],
  };
}
