import { HudError, type JsonObject } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { PNG_BYTES, recordingScreen } from '../__fixtures__/recording-screen.js';
import { geminiToPixels } from './computer-coordinates.js';
import { type ComputerToolInput, computerTool, computerToolProvider } from './computer-tool.js';
import { buildToolset, type ToolOutput } from './tool.js';

function setup(options: Parameters<typeof computerTool>[1] = {}) {
  const { screen, calls } = recordingScreen();
  const tool = computerTool(screen, { screenshotDelayMs: 0, ...options });
  const run = (input: ComputerToolInput) => tool.run(input);
  return { tool, calls, run };
}

const texts = (output: ToolOutput) =>
  output.content.map((part) => (part.type === 'text' ? part.text : `<${part.mimeType}>`));

describe('computer tool', () => {
  it('describes itself with the screen size and a schema listing the actions', () => {
    const { tool } = setup();
    expect(tool.name).toBe('computer');
    expect(tool.description).toContain('1280x800 pixels');
    expect((tool.inputSchema.properties as JsonObject).action).toMatchObject({
      enum: expect.arrayContaining(['screenshot', 'click', 'drag', 'scroll', 'key', 'wait']),
    });
  });

  it('returns a screenshot for screenshot, with no action before it', async () => {
    const { calls, run } = setup();
    const output = await run({ action: 'screenshot' });
    expect(calls).toEqual([['screenshot']]);
    expect(output.content[1]).toEqual({
      type: 'image',
      data: PNG_BYTES.toString('base64'),
      mimeType: 'image/png',
    });
  });

  it('clicks with the button and count of each click action, then takes a screenshot', async () => {
    const { calls, run } = setup();
    await run({ action: 'click', x: 10, y: 20, button: 'right', hold_keys: ['ctrl'] });
    await run({ action: 'double_click', x: 10.4, y: 20.6 });
    await run({ action: 'triple_click', x: 1, y: 2 });
    await run({ action: 'middle_click', x: 1, y: 2 });
    expect(calls.filter(([kind]) => kind === 'click')).toEqual([
      ['click', 10, 20, { button: 'right', count: 1, holdKeys: ['ctrl'] }],
      ['click', 10, 21, { button: 'left', count: 2, holdKeys: [] }],
      ['click', 1, 2, { button: 'left', count: 3, holdKeys: [] }],
      ['click', 1, 2, { button: 'middle', count: 1, holdKeys: [] }],
    ]);
    expect(calls.filter(([kind]) => kind === 'screenshot')).toHaveLength(4);
    expect(texts(await run({ action: 'right_click', x: 5, y: 6 }))).toEqual([
      'right_click at (5, 6)',
      '<image/png>',
    ]);
  });

  it('scrolls in all four directions, at the pointer when no point is given', async () => {
    const { calls, run } = setup();
    await run({ action: 'move', x: 50, y: 60 });
    await run({ action: 'scroll', direction: 'down' });
    await run({ action: 'scroll', direction: 'up', amount: 2, x: 1, y: 2 });
    await run({ action: 'scroll', direction: 'left', amount: 1 });
    await run({ action: 'scroll', direction: 'right', amount: 4 });
    expect(calls.filter(([kind]) => kind === 'scroll')).toEqual([
      ['scroll', 50, 60, { dx: 0, dy: 3 }],
      ['scroll', 1, 2, { dx: 0, dy: -2 }],
      ['scroll', 50, 60, { dx: -1, dy: 0 }],
      ['scroll', 50, 60, { dx: 4, dy: 0 }],
    ]);
  });

  it('drags along a path, types text and presses key sequences', async () => {
    const { calls, run } = setup();
    await run({
      action: 'drag',
      path: [
        { x: 1, y: 1 },
        { x: 9, y: 9 },
      ],
    });
    await run({ action: 'type', text: 'hello\n' });
    await run({ action: 'key', keys: 'ctrl+a  BackSpace' });
    expect(calls.filter(([kind]) => kind !== 'screenshot')).toEqual([
      [
        'drag',
        [
          { x: 1, y: 1 },
          { x: 9, y: 9 },
        ],
        { button: 'left' },
      ],
      ['type', 'hello\n'],
      ['keyPress', 'ctrl+a'],
      ['keyPress', 'BackSpace'],
    ]);
  });

  it('presses and releases buttons, reports the pointer, and waits', async () => {
    const { calls, run } = setup();
    await run({ action: 'mouse_down', x: 3, y: 4 });
    await run({ action: 'mouse_up', button: 'left' });
    expect(texts(await run({ action: 'cursor_position' }))).toEqual(['the pointer is at (3, 4)']);
    expect(texts(await run({ action: 'wait', seconds: 0 }))[0]).toBe('waited 0 s');
    expect(calls.filter(([kind]) => kind !== 'screenshot')).toEqual([
      ['move', 3, 4],
      ['mouseDown', 'left'],
      ['move', 3, 4],
      ['mouseUp', 'left'],
    ]);
  });

  it('answers bad input with an error result instead of throwing', async () => {
    const { calls, run } = setup();
    const cases: [ComputerToolInput, string][] = [
      [{}, 'action must be one of'],
      [{ action: 'click', x: 1 }, 'x and y must be numbers'],
      [{ action: 'click', x: 5000, y: 1 }, 'outside the screen'],
      [{ action: 'scroll', direction: 'sideways' as 'up' }, 'direction must be'],
      [{ action: 'scroll', direction: 'up', amount: 0 }, 'amount must be'],
      [{ action: 'drag', path: [{ x: 1, y: 1 }] }, 'at least 2 points'],
      [{ action: 'type', text: '' }, 'text must be a non-empty string'],
      [{ action: 'key', keys: 'Hyperdrive' }, 'unknown key'],
      [{ action: 'wait', seconds: 3600 }, 'seconds must be between 0 and 30'],
      [{ action: 'click', x: 1, y: 1, button: 'fourth' as 'left' }, 'button must be'],
    ];
    for (const [input, message] of cases) {
      const output = await run(input);
      expect(output.isError, JSON.stringify(input)).toBe(true);
      expect(texts(output)[0]).toContain(message);
    }
    expect(calls.filter(([kind]) => kind === 'screenshot')).toEqual([]);
  });

  it('rejects when the screen connection fails (a tool failure, not a model mistake)', async () => {
    const { screen } = recordingScreen();
    screen.screenshot = async () => {
      throw new HudError('connection_closed', 'the RFB connection is closed');
    };
    const tool = computerTool(screen);
    await expect(tool.run({ action: 'screenshot' })).rejects.toThrow(
      'the RFB connection is closed',
    );
  });

  it('stops waiting when aborted', async () => {
    const { tool } = setup();
    const controller = new AbortController();
    const running = tool.run({ action: 'wait', seconds: 20 }, { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
  });

  it("reads Gemini's 0-999 grid when asked to", async () => {
    const { tool, calls } = setup({ coordinates: 'gemini' });
    expect(tool.description).toContain('0-999 grid');
    await tool.run({ action: 'click', x: 500, y: 999 });
    expect(calls[0]).toEqual(['click', 640, 799, { button: 'left', count: 1, holdKeys: [] }]);
    const output = await tool.run({ action: 'move', x: 1000, y: 0 });
    expect(texts(output)[0]).toContain('0-999 grid');
  });
});

describe('geminiToPixels', () => {
  it('denormalizes as trunc(v / 1000 * size), clamped to the screen', () => {
    const screen = { width: 1280, height: 800 };
    expect(geminiToPixels({ x: 0, y: 0 }, screen)).toEqual({ x: 0, y: 0 });
    expect(geminiToPixels({ x: 500, y: 500 }, screen)).toEqual({ x: 640, y: 400 });
    expect(geminiToPixels({ x: 999, y: 999 }, screen)).toEqual({ x: 1278, y: 799 });
    expect(geminiToPixels({ x: 1000, y: -5 }, screen)).toEqual({ x: 1279, y: 0 });
    expect(geminiToPixels({ x: 333, y: 667 }, { width: 1024, height: 768 })).toEqual({
      x: 340,
      y: 512,
    });
  });
});

describe('computerToolProvider', () => {
  it('opens the first rfb binding only and builds one computer tool over it', async () => {
    const opened: string[] = [];
    const { screen } = recordingScreen({ width: 800, height: 600 });
    const bindings = ['screen', 'second-screen'].map((name) => ({
      name,
      protocol: 'rfb/3.8',
      url: 'rfb://127.0.0.1:5900',
      params: {},
    }));
    const tools = await buildToolset(
      {
        bindings,
        client: {
          open: async <Client>(ref: string) => {
            opened.push(ref);
            return screen as unknown as Client;
          },
        },
      },
      [computerToolProvider({ screenshotDelayMs: 0 })],
    );
    expect(opened).toEqual(['screen']);
    expect(tools.map((tool) => tool.name)).toEqual(['computer']);
    expect(tools[0]?.description).toContain('800x600');
  });
});
