import type { JsonObject } from '@hud/protocol';
import {
  type ComputerScreen,
  type ComputerToolInput,
  type ComputerToolOptions,
  computerTool,
} from '../../tools/computer-tool.js';
import { type AgentTool, errorOutput } from '../../tools/tool.js';

/** Input of Claude's `computer` tool (`computer_20251124` / `computer_20250124`). */
export interface ClaudeComputerInput extends JsonObject {
  action?: string;
  /** `[x, y]` in screen pixels. */
  coordinate?: number[];
  /** `left_click_drag`: where the drag starts. */
  start_coordinate?: number[];
  /** `type`: the text; `key`: an xdotool chord; clicks and `scroll`: modifier keys held (`shift`, `ctrl+alt`). */
  text?: string;
  scroll_direction?: string;
  scroll_amount?: number;
  /** `wait`: seconds. */
  duration?: number;
  /** `key`: how often to press it (1–100). */
  repeat?: number;
}

/** Claude's click actions and the computer tool's action each becomes. */
const CLICKS: Readonly<Record<string, ComputerToolInput['action']>> = {
  left_click: 'click',
  right_click: 'right_click',
  middle_click: 'middle_click',
  double_click: 'double_click',
  triple_click: 'triple_click',
};

class ClaudeInputError extends Error {}

function point(value: unknown, field: string): { x: number; y: number } {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    value.some((part) => typeof part !== 'number' || !Number.isFinite(part))
  ) {
    throw new ClaudeInputError(`${field} must be [x, y]`);
  }
  return { x: value[0] as number, y: value[1] as number };
}

function modifiers(text: unknown): string[] | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  return text.split('+').map((key) => key.trim());
}

/**
 * Claude's computer input as the provider-neutral computer tool's input (spec §7.5 actions):
 * `left_click` & co. (optional `coordinate`, modifiers in `text`), `mouse_move`, `left_mouse_down/up`,
 * `left_click_drag`, `scroll` (`scroll_direction`, `scroll_amount`), `type`, `key` (`repeat`), `wait`
 * (`duration`), `screenshot`, `cursor_position`; `zoom` answers with a full screenshot.
 * @throws ClaudeInputError for input the tool cannot act on (`hold_key`, a missing coordinate).
 */
function translate(input: ClaudeComputerInput, screen: ComputerScreen): ComputerToolInput {
  const at = (field = 'coordinate') =>
    input[field] === undefined ? screen.pointer : point(input[field], field);
  const action = input.action ?? '';
  const click = CLICKS[action];
  if (click) {
    const { x, y } = at();
    const holdKeys = modifiers(input.text);
    return { action: click, x, y, ...(holdKeys ? { hold_keys: holdKeys } : {}) };
  }
  switch (action) {
    case 'screenshot':
    case 'zoom':
      return { action: 'screenshot' };
    case 'cursor_position':
      return { action: 'cursor_position' };
    case 'mouse_move':
      return { action: 'move', ...point(input.coordinate, 'coordinate') };
    case 'left_mouse_down':
    case 'left_mouse_up':
      return { action: action === 'left_mouse_down' ? 'mouse_down' : 'mouse_up', ...at() };
    case 'left_click_drag':
      return {
        action: 'drag',
        path: [at('start_coordinate'), point(input.coordinate, 'coordinate')],
      };
    case 'scroll': {
      const holdKeys = modifiers(input.text);
      if (holdKeys) throw new ClaudeInputError('scroll with held keys is not supported');
      return {
        action: 'scroll',
        ...at(),
        direction: input.scroll_direction as ComputerToolInput['direction'],
        amount: input.scroll_amount ?? 3,
      };
    }
    case 'type':
      return { action: 'type', text: input.text ?? '' };
    case 'key': {
      const repeat = input.repeat ?? 1;
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) {
        throw new ClaudeInputError('repeat must be a whole number 1-100');
      }
      const chord = (input.text ?? '').trim();
      return { action: 'key', keys: Array.from({ length: repeat }, () => chord).join(' ') };
    }
    case 'wait':
      return { action: 'wait', seconds: input.duration ?? 1 };
    case 'hold_key':
      throw new ClaudeInputError(
        'hold_key is not supported here; press chords with key (e.g. "shift+a") instead',
      );
    default:
      throw new ClaudeInputError(`unknown action '${action}'`);
  }
}

/**
 * Claude's `computer` tool over an `rfb/3.8` screen: takes Claude's computer-use input and drives the
 * provider-neutral {@link computerTool}, answering with its text and screenshots. Input it cannot act on
 * is an error result, not a throw.
 */
export function claudeComputerTool(
  screen: ComputerScreen,
  options: ComputerToolOptions = {},
): AgentTool<ClaudeComputerInput> {
  const inner = computerTool(screen, options);
  return {
    name: 'computer',
    description: inner.description,
    inputSchema: {
      type: 'object',
      properties: {
        action: { type: 'string' },
        coordinate: { type: 'array', items: { type: 'number' } },
      },
      required: ['action'],
    },
    async run(input, runOptions) {
      let translated: ComputerToolInput;
      try {
        translated = translate(input, screen);
      } catch (error) {
        if (error instanceof ClaudeInputError) return errorOutput(`computer: ${error.message}`);
        throw error;
      }
      return inner.run(translated, runOptions);
    },
  };
}
