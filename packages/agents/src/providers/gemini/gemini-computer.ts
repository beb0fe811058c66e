import { HudError, type JsonObject } from '@hud/protocol';
import { GEMINI_GRID_SIZE, geminiToPixels } from '../../tools/computer-coordinates.js';
import { type ComputerScreen, pause } from '../../tools/computer-tool.js';
import {
  type AgentTool,
  errorOutput,
  type ToolInputSchema,
  type ToolOutput,
} from '../../tools/tool.js';

/**
 * Gemini's predefined computer-use functions (`ComputerUse` with `ENVIRONMENT_BROWSER`), which the model
 * calls like ordinary functions (hud-python 0.6.16 `PREDEFINED_COMPUTER_USE_FUNCTIONS`, spec §7.5).
 */
export const GEMINI_COMPUTER_FUNCTIONS = [
  'open_web_browser',
  'click_at',
  'hover_at',
  'type_text_at',
  'scroll_document',
  'scroll_at',
  'wait_5_seconds',
  'go_back',
  'go_forward',
  'search',
  'navigate',
  'key_combination',
  'drag_and_drop',
] as const;

/** One of {@link GEMINI_COMPUTER_FUNCTIONS}. */
export type GeminiComputerFunction = (typeof GEMINI_COMPUTER_FUNCTIONS)[number];

/** Options of {@link geminiComputerTools}. */
export interface GeminiComputerToolsOptions {
  /** Pause between an action and the screenshot that follows it, so the screen can settle, ms (default 500). */
  screenshotDelayMs?: number;
  /** The page `search` opens (default `https://www.google.com`, as hud-python). */
  searchUrl?: string;
}

/** Screen pixels one wheel click is taken to scroll, to turn Gemini's scroll magnitudes into clicks. */
const WHEEL_PIXELS = 100;

/** Tools that stand for Gemini's predefined computer-use functions (sent as `computerUse`, not declared). */
const computerFunctions = new WeakSet<AgentTool>();

/** True for a tool made by {@link geminiComputerTools}. */
export function isGeminiComputerTool(tool: AgentTool): boolean {
  return computerFunctions.has(tool);
}

class ComputerInputError extends Error {}

const X_Y = {
  x: {
    type: 'integer',
    minimum: 0,
    maximum: GEMINI_GRID_SIZE - 1,
    description: 'Horizontal position, 0-999.',
  },
  y: {
    type: 'integer',
    minimum: 0,
    maximum: GEMINI_GRID_SIZE - 1,
    description: 'Vertical position, 0-999.',
  },
};
const DIRECTION = { type: 'string', enum: ['up', 'down', 'left', 'right'] };

function schema(properties: JsonObject = {}, required: string[] = []): ToolInputSchema {
  return { type: 'object', properties, required };
}

/** Descriptions and input schemas of the functions, for models that get them declared (`computer_use=functions`). */
const SPECS: Readonly<
  Record<GeminiComputerFunction, { description: string; inputSchema: ToolInputSchema }>
> = {
  open_web_browser: {
    description: 'Show the screen (there is no separate browser to open).',
    inputSchema: schema(),
  },
  click_at: {
    description: 'Click at a point of the screen (0-999 grid).',
    inputSchema: schema(X_Y, ['x', 'y']),
  },
  hover_at: {
    description: 'Move the pointer to a point (0-999 grid).',
    inputSchema: schema(X_Y, ['x', 'y']),
  },
  type_text_at: {
    description:
      'Click at a point (0-999 grid), clear the field unless clear_before_typing is false, type text, and ' +
      'press Enter unless press_enter is false.',
    inputSchema: schema(
      {
        ...X_Y,
        text: { type: 'string' },
        press_enter: { type: 'boolean', description: 'Press Enter after typing (default true).' },
        clear_before_typing: {
          type: 'boolean',
          description: 'Select all and delete first (default true).',
        },
      },
      ['x', 'y', 'text'],
    ),
  },
  scroll_document: {
    description: 'Scroll the whole page by about a screen.',
    inputSchema: schema({ direction: DIRECTION }, ['direction']),
  },
  scroll_at: {
    description: 'Scroll at a point (0-999 grid) by magnitude (0-999 grid units, default 800).',
    inputSchema: schema(
      { ...X_Y, direction: DIRECTION, magnitude: { type: 'integer', minimum: 0, maximum: 999 } },
      ['x', 'y', 'direction'],
    ),
  },
  wait_5_seconds: { description: 'Wait 5 seconds, then show the screen.', inputSchema: schema() },
  go_back: { description: 'Go back (Alt+Left).', inputSchema: schema() },
  go_forward: { description: 'Go forward (Alt+Right).', inputSchema: schema() },
  search: { description: 'Open the search engine in the focused browser.', inputSchema: schema() },
  navigate: {
    description: 'Open a URL in the focused browser (Ctrl+L, the URL, Enter).',
    inputSchema: schema({ url: { type: 'string' } }, ['url']),
  },
  key_combination: {
    description: 'Press keys together, joined by + (e.g. "control+c", "Enter").',
    inputSchema: schema({ keys: { type: 'string' } }, ['keys']),
  },
  drag_and_drop: {
    description: 'Drag from a point to a destination (0-999 grid).',
    inputSchema: schema(
      {
        ...X_Y,
        destination_x: { type: 'integer', minimum: 0, maximum: 999 },
        destination_y: { type: 'integer', minimum: 0, maximum: 999 },
      },
      ['x', 'y', 'destination_x', 'destination_y'],
    ),
  },
};

/**
 * Gemini's predefined computer-use functions over an `rfb/3.8` screen, one {@link AgentTool} each (hud-python
 * `GeminiComputerTool`, spec §7.5). Points arrive on Gemini's normalized 0–999 grid and are converted to
 * pixels with {@link geminiToPixels} (hud-python sends them to VNC raw, spec §12.9). Every function answers
 * with what it did and a screenshot taken after it. Browser functions act through keys, as on a desktop:
 * `navigate`/`search` type into the focused window's address bar (Ctrl+L), `go_back`/`go_forward` press
 * Alt+Left/Right. `scroll_at`'s magnitude (grid units along the scroll axis) becomes wheel clicks of about
 * 100 px; `scroll_document` scrolls about a screen at its centre. A call the model marks as needing a
 * person's confirmation (`safety_decision.decision: require_confirmation`) is not performed: with nobody to
 * confirm it, the result says so. Bad input is an error result; a lost connection rejects.
 */
export function geminiComputerTools(
  screen: ComputerScreen,
  options: GeminiComputerToolsOptions = {},
): AgentTool[] {
  const delayMs = options.screenshotDelayMs ?? 500;
  const searchUrl = options.searchUrl ?? 'https://www.google.com';

  const point = (x: unknown, y: unknown, what = 'x and y') => {
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x + y)) {
      throw new ComputerInputError(`${what} must be numbers on the 0-${GEMINI_GRID_SIZE - 1} grid`);
    }
    if (x < 0 || y < 0 || x >= GEMINI_GRID_SIZE || y >= GEMINI_GRID_SIZE) {
      throw new ComputerInputError(`${what} must lie on the 0-${GEMINI_GRID_SIZE - 1} grid`);
    }
    return geminiToPixels({ x, y }, screen);
  };
  const wheel = (direction: unknown, pixels: number) => {
    const clicks = Math.min(100, Math.max(1, Math.round(pixels / WHEEL_PIXELS)));
    const signs = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] } as const;
    const sign = typeof direction === 'string' ? signs[direction as keyof typeof signs] : undefined;
    if (sign === undefined)
      throw new ComputerInputError('direction must be up, down, left or right');
    return { dx: sign[0] * clicks, dy: sign[1] * clicks, clicks };
  };
  const openUrl = async (url: string) => {
    await screen.keyPress('ctrl+l');
    await screen.type(url);
    await screen.keyPress('Return');
  };

  /** Performs one function; returns what it did, in words. */
  const perform = async (name: GeminiComputerFunction, input: JsonObject, signal?: AbortSignal) => {
    switch (name) {
      case 'open_web_browser':
        return 'screenshot';
      case 'click_at': {
        const at = point(input.x, input.y);
        await screen.click(at.x, at.y, { button: 'left', count: 1 });
        return `click at (${at.x}, ${at.y})`;
      }
      case 'hover_at': {
        const at = point(input.x, input.y);
        await screen.move(at.x, at.y);
        return `moved the pointer to (${at.x}, ${at.y})`;
      }
      case 'type_text_at': {
        const at = point(input.x, input.y);
        if (typeof input.text !== 'string') throw new ComputerInputError('text must be a string');
        await screen.click(at.x, at.y, { button: 'left', count: 1 });
        if (input.clear_before_typing !== false) {
          await screen.keyPress('ctrl+a');
          await screen.keyPress('Delete');
        }
        if (input.text !== '') await screen.type(input.text);
        const enter = input.press_enter !== false;
        if (enter) await screen.keyPress('Return');
        return `typed ${[...input.text].length} characters at (${at.x}, ${at.y})${enter ? ' and pressed Enter' : ''}`;
      }
      case 'scroll_document': {
        const vertical = input.direction === 'up' || input.direction === 'down';
        const amount = wheel(input.direction, vertical ? screen.height : screen.width);
        const x = Math.floor(screen.width / 2);
        const y = Math.floor(screen.height / 2);
        await screen.scroll(x, y, { dx: amount.dx, dy: amount.dy });
        return `scrolled the page ${String(input.direction)} by ${amount.clicks} wheel clicks`;
      }
      case 'scroll_at': {
        const at = point(input.x, input.y);
        const magnitude = input.magnitude ?? 800;
        if (typeof magnitude !== 'number' || !(magnitude >= 0) || magnitude >= GEMINI_GRID_SIZE) {
          throw new ComputerInputError('magnitude must be a number on the 0-999 grid');
        }
        const vertical = input.direction === 'up' || input.direction === 'down';
        const pixels = (magnitude / GEMINI_GRID_SIZE) * (vertical ? screen.height : screen.width);
        const amount = wheel(input.direction, pixels);
        await screen.scroll(at.x, at.y, { dx: amount.dx, dy: amount.dy });
        return `scrolled ${String(input.direction)} by ${amount.clicks} wheel clicks at (${at.x}, ${at.y})`;
      }
      case 'wait_5_seconds':
        await pause(5000, signal);
        return 'waited 5 s';
      case 'go_back':
      case 'go_forward':
        await screen.keyPress(name === 'go_back' ? 'alt+Left' : 'alt+Right');
        return name === 'go_back' ? 'pressed Alt+Left' : 'pressed Alt+Right';
      case 'search':
        await openUrl(searchUrl);
        return `opened ${searchUrl}`;
      case 'navigate': {
        if (typeof input.url !== 'string' || input.url === '') {
          throw new ComputerInputError('url must be a non-empty string');
        }
        await openUrl(input.url);
        return `opened ${input.url}`;
      }
      case 'key_combination': {
        if (typeof input.keys !== 'string' || input.keys.trim() === '') {
          throw new ComputerInputError("keys must be keys joined by '+', e.g. control+c");
        }
        await screen.keyPress(input.keys.trim());
        return `pressed ${input.keys.trim()}`;
      }
      case 'drag_and_drop': {
        const from = point(input.x, input.y);
        const to = point(
          input.destination_x,
          input.destination_y,
          'destination_x and destination_y',
        );
        await screen.drag([from, to], { button: 'left' });
        return `dragged from (${from.x}, ${from.y}) to (${to.x}, ${to.y})`;
      }
    }
  };

  return GEMINI_COMPUTER_FUNCTIONS.map((name) => {
    const tool: AgentTool = {
      name,
      ...SPECS[name],
      async run(input, runOptions = {}): Promise<ToolOutput> {
        const { signal } = runOptions;
        signal?.throwIfAborted();
        const safety = input.safety_decision as
          | { decision?: unknown; explanation?: unknown }
          | undefined;
        if (safety?.decision === 'require_confirmation') {
          return errorOutput(
            `${name} was not performed: it needs a person's confirmation${typeof safety.explanation === 'string' ? ` (${safety.explanation})` : ''}, and nobody can confirm actions in this run.`,
          );
        }
        let done: string;
        try {
          done = await perform(name, input, signal);
        } catch (error) {
          if (error instanceof ComputerInputError) return errorOutput(`${name}: ${error.message}`);
          if (HudError.isInstance(error) && error.code === 'invalid_argument') {
            return errorOutput(`${name}: ${error.message}`);
          }
          throw error;
        }
        if (name !== 'open_web_browser' && delayMs > 0) await pause(delayMs, signal);
        const png = await screen.screenshot();
        return {
          content: [
            { type: 'text', text: done },
            { type: 'image', data: png.toString('base64'), mimeType: 'image/png' },
          ],
        };
      },
    };
    computerFunctions.add(tool);
    return tool;
  });
}
