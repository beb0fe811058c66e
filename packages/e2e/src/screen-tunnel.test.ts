import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type AgentTool, buildToolset, computerToolProvider } from '@hud/agents';
import { type ControlServer, Environment, type Screen, serve } from '@hud/environment';
import { HudClient, type RfbClient } from '@hud/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lacking } from './support/host.js';
import { REPO_ROOT } from './support/served-env.js';

// A served env.screen() (real Xvfb + x11vnc) reached through the control channel's tunnel: the RFB client
// and the computer tool drive it, and X clients on the display (xdotool, xev, xwininfo) check the result.

// pngjs is a dependency of @hud/protocol, not of this package: load it from there.
const { PNG } = createRequire(path.join(REPO_ROOT, 'packages/protocol/package.json'))('pngjs') as {
  PNG: { sync: { read(png: Buffer): { width: number; height: number; data: Buffer } } };
};
const run = promisify(execFile);

const TOOLS = ['Xvfb', 'x11vnc', 'xdotool', 'xev', 'xsetroot'];
const missing = lacking(TOOLS, 'screen end-to-end tests');

/** An `xev` window at (100, 100), 300x200, reporting what it receives. */
interface EventWindow {
  readonly child: ChildProcess;
  /** Every line xev printed so far. */
  output(): string;
  /** Polls until `pattern` appears in the output (bounded). */
  waitFor(pattern: RegExp): Promise<string>;
}

describe.skipIf(missing)('screen capability through the tunnel', () => {
  let server: ControlServer;
  let client: HudClient;
  let screen: Screen;
  let rfb: RfbClient;
  const windows: ChildProcess[] = [];

  beforeAll(async () => {
    const env = new Environment({ name: 'screen-e2e' });
    screen = env.screen({ width: 1024, height: 768 });
    server = await serve(env);
    client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
    rfb = await client.open<RfbClient>('screen');
  });
  afterEach(() => {
    for (const child of windows.splice(0)) child.kill();
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  const xdotool = async (...args: string[]) =>
    (await run('xdotool', args, { env: screen.processEnv() })).stdout.trim();

  async function eventWindow(): Promise<EventWindow> {
    const child = spawn('xev', ['-geometry', '300x200+100+100'], {
      env: screen.processEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    windows.push(child);
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const window: EventWindow = {
      child,
      output: () => text,
      async waitFor(pattern) {
        for (let attempt = 0; attempt < 100; attempt++) {
          const match = pattern.exec(text);
          if (match) return match[0];
          await sleep(50);
        }
        throw new Error(`xev never printed ${pattern}; it printed:\n${text.slice(-2000)}`);
      },
    };
    // Input sent before the window is mapped would go to the root window.
    await window.waitFor(/Expose event/);
    return window;
  }

  /** Keysym names of the KeyPress events xev reported, in order. */
  const keyPresses = (text: string) =>
    [...text.matchAll(/KeyPress event.*\n.*\n.*keysym 0x[0-9a-f]+, (\w+)\)/g)].map(
      (match) => match[1],
    );

  it('routes the binding through a local forwarder and reports the framebuffer size', () => {
    const routed = client.binding('screen');
    expect(routed.url).toMatch(/^rfb:\/\/127\.0\.0\.1:\d+$/);
    expect(routed.url).not.toBe(screen.url);
    expect(routed.params).toMatchObject({ display: screen.display, width: 1024, height: 768 });
    expect([rfb.width, rfb.height]).toEqual([1024, 768]);
  });

  it('takes a screenshot whose PNG has the size of the framebuffer', async () => {
    const png = PNG.sync.read(await rfb.screenshot());
    expect([png.width, png.height]).toEqual([1024, 768]);
  });

  it('shows what is on the display (the root window painted by xsetroot)', async () => {
    // Keep the cursor, which the server paints into the framebuffer, away from the sampled pixel.
    await rfb.move(1000, 700);
    await run('xsetroot', ['-solid', '#3366cc'], { env: screen.processEnv() });
    let pixel: number[] = [];
    // x11vnc polls the X framebuffer, so the new colour shows up after a moment; bounded retries.
    for (let attempt = 0; attempt < 50; attempt++) {
      const png = PNG.sync.read(await rfb.screenshot());
      pixel = [...png.data.subarray((10 * png.width + 10) * 4, (10 * png.width + 10) * 4 + 4)];
      if (pixel[0] === 0x33) break;
      await sleep(100);
    }
    expect(pixel).toEqual([0x33, 0x66, 0xcc, 255]);
  });

  it('moves the pointer where asked (xdotool reads it back)', async () => {
    await rfb.move(321, 123);
    let location = '';
    for (let attempt = 0; attempt < 50 && !location.startsWith('x:321 y:123'); attempt++) {
      location = await xdotool('getmouselocation');
    }
    expect(location).toMatch(/^x:321 y:123 /);
  });

  it('lands clicks on a window at the given point', async () => {
    const window = await eventWindow();
    await rfb.click(150, 160);
    await rfb.click(160, 170, { button: 'right' });
    await window.waitFor(/ButtonRelease event.*\n.*\n.*button 3,/);
    const text = window.output();
    // xev prints "root:(x,y)" for each button event.
    expect(text).toMatch(/ButtonPress event.*\n.*root:\(150,160\).*\n.*button 1,/);
    expect(text).toMatch(/ButtonPress event.*\n.*root:\(160,170\).*\n.*button 3,/);
  });

  it('types text and key chords into the window under the pointer', async () => {
    const window = await eventWindow();
    // No window manager: focus follows the pointer (PointerRoot), so key events reach the xev window.
    await rfb.move(200, 200);
    await rfb.type('Hi!\n');
    await rfb.keyPress('ctrl+c');
    await window.waitFor(/KeyRelease event.*\n.*\n.*keysym 0x63, c\)/);
    expect(keyPresses(window.output())).toEqual([
      'Shift_L',
      'H',
      'i',
      'Shift_L',
      'exclam',
      'Return',
      'Control_L',
      'c',
    ]);
  });

  it('scrolls vertically with buttons 4/5 and sideways with Shift + wheel (the env says so)', async () => {
    expect(client.binding('screen').params).toMatchObject({ horizontal_scroll: 'shift-wheel' });
    const window = await eventWindow();
    await rfb.scroll(200, 200, { dy: 2 });
    await rfb.scroll(200, 200, { dx: -1 });
    await window.waitFor(/ButtonRelease event.*\n.*\n.*button 4,/);
    const presses = [
      ...window.output().matchAll(/ButtonPress event.*\n.*\n\s*state (0x[0-9a-f]+), button (\d)/g),
    ].map((match) => [Number(match[1]) & 1, Number(match[2])]);
    // [shift held, button]: two clicks down, then one click up with Shift (= one click left).
    expect(presses).toEqual([
      [0, 5],
      [0, 5],
      [1, 4],
    ]);
  });

  it('drives the screen with the computer tool built from the manifest', async () => {
    const tools = await buildToolset({ client, bindings: client.manifest?.bindings ?? [] }, [
      computerToolProvider({ screenshotDelayMs: 100 }),
    ]);
    const computer = tools.find((tool) => tool.name === 'computer') as AgentTool;
    expect(computer.description).toContain('1024x768 pixels');
    const output = await computer.run({ action: 'click', x: 400, y: 300 });
    expect(output.isError).toBeUndefined();
    const image = output.content.find((part) => part.type === 'image');
    if (image?.type !== 'image') throw new Error('no screenshot in the click result');
    const png = PNG.sync.read(Buffer.from(image.data, 'base64'));
    expect([png.width, png.height]).toEqual([1024, 768]);
    expect(await xdotool('getmouselocation')).toMatch(/^x:400 y:300 /);
    const offScreen = await computer.run({ action: 'click', x: 2000, y: 10 });
    expect(offScreen.isError).toBe(true);
  });
});
