import type { JsonObject } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { PNG_BYTES, recordingScreen } from '../../__fixtures__/recording-screen.js';
import type { ToolOutput } from '../../tools/tool.js';
import {
  GEMINI_COMPUTER_FUNCTIONS,
  geminiComputerTools,
  isGeminiComputerTool,
} from './gemini-computer.js';

function setup() {
  const { screen, calls } = recordingScreen();
  const tools = new Map(
    geminiComputerTools(screen, { screenshotDelayMs: 0 }).map((tool) => [tool.name, tool]),
  );
  const run = (name: string, input: JsonObject = {}) => {
    const tool = tools.get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    return tool.run(input);
  };
  return { tools, calls, run };
}

const text = (output: ToolOutput) =>
  output.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');

describe('geminiComputerTools', () => {
  it('offers every predefined function, marked as computer use', () => {
    const { tools } = setup();
    expect([...tools.keys()]).toEqual([...GEMINI_COMPUTER_FUNCTIONS]);
    for (const tool of tools.values()) {
      expect(isGeminiComputerTool(tool)).toBe(true);
      expect(tool.inputSchema.type).toBe('object');
    }
    expect(isGeminiComputerTool({ ...[...tools.values()][0], name: 'copy' } as never)).toBe(false);
  });

  it('converts the 0-999 grid to pixels and answers with a caption and a screenshot', async () => {
    const { run, calls } = setup();
    const clicked = await run('click_at', { x: 500, y: 999 });
    expect(clicked).toEqual({
      content: [
        { type: 'text', text: 'click at (640, 799)' },
        { type: 'image', data: PNG_BYTES.toString('base64'), mimeType: 'image/png' },
      ],
    });
    await run('hover_at', { x: 0, y: 250 });
    await run('drag_and_drop', { x: 100, y: 100, destination_x: 900, destination_y: 500 });
    expect(calls).toEqual([
      ['click', 640, 799, { button: 'left', count: 1 }],
      ['screenshot'],
      ['move', 0, 200],
      ['screenshot'],
      [
        'drag',
        [
          { x: 128, y: 80 },
          { x: 1152, y: 400 },
        ],
        { button: 'left' },
      ],
      ['screenshot'],
    ]);
  });

  it('types at a point: click, clear, text, Enter by default; neither clear nor Enter when turned off', async () => {
    const { run, calls } = setup();
    expect(text(await run('type_text_at', { x: 500, y: 500, text: 'héllo' }))).toBe(
      'typed 5 characters at (640, 400) and pressed Enter',
    );
    await run('type_text_at', {
      x: 10,
      y: 10,
      text: 'x',
      press_enter: false,
      clear_before_typing: false,
    });
    expect(calls).toEqual([
      ['click', 640, 400, { button: 'left', count: 1 }],
      ['keyPress', 'ctrl+a'],
      ['keyPress', 'Delete'],
      ['type', 'héllo'],
      ['keyPress', 'Return'],
      ['screenshot'],
      ['click', 12, 8, { button: 'left', count: 1 }],
      ['type', 'x'],
      ['screenshot'],
    ]);
  });

  it('scrolls by wheel clicks: magnitude in grid units along the axis, a page for scroll_document', async () => {
    const { run, calls } = setup();
    await run('scroll_at', { x: 500, y: 500, direction: 'down' }); // 800/1000 of 800 px = 640 px
    await run('scroll_at', { x: 500, y: 500, direction: 'left', magnitude: 100 }); // 128 px
    await run('scroll_document', { direction: 'up' }); // 800 px
    expect(calls.filter((call) => call[0] === 'scroll')).toEqual([
      ['scroll', 640, 400, { dx: 0, dy: 6 }],
      ['scroll', 640, 400, { dx: -1, dy: 0 }],
      ['scroll', 640, 400, { dx: 0, dy: -8 }],
    ]);
  });

  it('acts out browser functions with keys', async () => {
    const { run, calls } = setup();
    await run('navigate', { url: 'http://127.0.0.1:8000/' });
    await run('search');
    await run('go_back');
    await run('go_forward');
    await run('key_combination', { keys: 'control+c' });
    expect(text(await run('open_web_browser'))).toBe('screenshot');
    expect(calls.filter((call) => call[0] !== 'screenshot')).toEqual([
      ['keyPress', 'ctrl+l'],
      ['type', 'http://127.0.0.1:8000/'],
      ['keyPress', 'Return'],
      ['keyPress', 'ctrl+l'],
      ['type', 'https://www.google.com'],
      ['keyPress', 'Return'],
      ['keyPress', 'alt+Left'],
      ['keyPress', 'alt+Right'],
      ['keyPress', 'control+c'],
    ]);
  });

  it('answers bad input with an error result and does nothing', async () => {
    const { run, calls } = setup();
    const cases: [string, JsonObject, RegExp][] = [
      ['click_at', { x: 1000, y: 5 }, /x and y must lie on the 0-999 grid/],
      ['click_at', { x: '5', y: 5 }, /must be numbers/],
      [
        'scroll_at',
        { x: 5, y: 5, direction: 'sideways' },
        /direction must be up, down, left or right/,
      ],
      ['scroll_at', { x: 5, y: 5, direction: 'up', magnitude: -1 }, /magnitude/],
      ['navigate', {}, /url must be a non-empty string/],
      ['key_combination', { keys: 'hyperdrive' }, /unknown key "hyperdrive"/],
      ['type_text_at', { x: 1, y: 1 }, /text must be a string/],
    ];
    for (const [name, input, message] of cases) {
      const output = await run(name, input);
      expect(output.isError, name).toBe(true);
      expect(text(output)).toMatch(message);
    }
    expect(calls).toEqual([]);
  });

  it('does not perform an action that asks for a person’s confirmation', async () => {
    const { run, calls } = setup();
    const output = await run('click_at', {
      x: 5,
      y: 5,
      safety_decision: { decision: 'require_confirmation', explanation: 'it buys something' },
    });
    expect(output.isError).toBe(true);
    expect(text(output)).toBe(
      "click_at was not performed: it needs a person's confirmation (it buys something), and nobody can confirm actions in this run.",
    );
    expect(calls).toEqual([]);
    await run('click_at', { x: 5, y: 5, safety_decision: { decision: 'regular' } });
    expect(calls[0]).toEqual(['click', 6, 4, { button: 'left', count: 1 }]);
  });

  it('waits 5 seconds for wait_5_seconds, and stops waiting on abort', async () => {
    const { tools } = setup();
    const controller = new AbortController();
    const waiting = tools.get('wait_5_seconds')?.run({}, { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });
});
