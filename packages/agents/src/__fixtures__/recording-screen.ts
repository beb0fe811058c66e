import { HudError } from '@hud/protocol';
import type { ComputerScreen } from '../tools/computer-tool.js';

/** What {@link recordingScreen} answers screenshots with by default: bytes that are not a real PNG. */
export const PNG_BYTES = Buffer.from('89504e470d0a1a0a-fake', 'utf8');

/**
 * A screen (default 1280x800) that records every call as `[method, ...arguments]`, tracks the pointer
 * and, like `RfbClient`, refuses points outside the screen and an unknown key (`hyperdrive`, any case).
 */
export function recordingScreen(
  options: { width?: number; height?: number; screenshot?: Buffer } = {},
): { screen: ComputerScreen; calls: unknown[][] } {
  const { width = 1280, height = 800, screenshot = PNG_BYTES } = options;
  const calls: unknown[][] = [];
  let pointer = { x: 0, y: 0 };
  const check = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) {
      throw new HudError('invalid_argument', `point (${x}, ${y}) is outside the screen`);
    }
  };
  const screen: ComputerScreen = {
    width,
    height,
    get pointer() {
      return pointer;
    },
    screenshot: async () => {
      calls.push(['screenshot']);
      return screenshot;
    },
    move: async (x, y) => {
      check(x, y);
      pointer = { x, y };
      calls.push(['move', x, y]);
    },
    click: async (x, y, clickOptions) => {
      check(x, y);
      pointer = { x, y };
      calls.push(['click', x, y, clickOptions]);
    },
    mouseDown: async (button) => void calls.push(['mouseDown', button]),
    mouseUp: async (button) => void calls.push(['mouseUp', button]),
    drag: async (path, dragOptions) => void calls.push(['drag', path, dragOptions]),
    scroll: async (x, y, amount) => void calls.push(['scroll', x, y, amount]),
    type: async (text) => void calls.push(['type', text]),
    keyPress: async (keys) => {
      if (typeof keys === 'string' && keys.toLowerCase() === 'hyperdrive') {
        throw new HudError('invalid_argument', `unknown key "${keys}"`);
      }
      calls.push(['keyPress', keys]);
    },
  };
  return { screen, calls };
}
