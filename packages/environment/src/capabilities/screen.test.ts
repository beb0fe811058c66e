import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { promisify } from 'node:util';
import { connectRfb, HudClient, HudError, type RfbClient } from '@hud/protocol';
import { alive, installed, rejectedError, rfbSecurityTypes } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, served } from '../__fixtures__/served.js';
import { Environment } from '../environment.js';
import { Screen } from './screen.js';

const run = promisify(execFile);

const missing = ['Xvfb', 'x11vnc', 'xwininfo'].filter((command) => !installed(command));
if (missing.length > 0) {
  console.warn(
    `skipping screen tests: ${missing.join(', ')} not installed (apt-get install xvfb x11vnc x11-utils)`,
  );
}

const screens: Screen[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeAll();
  await Promise.all(screens.splice(0).map((screen) => screen.stop()));
});

function tracked(screen: Screen): Screen {
  screens.push(screen);
  return screen;
}

/** The first bytes the server at `port` sends. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.length >= 12) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

describe.skipIf(missing.length > 0)('Screen (real Xvfb + x11vnc)', () => {
  it('runs a display of the requested size with an RFB 3.8 server on 127.0.0.1', async () => {
    const screen = tracked(new Screen({ width: 640, height: 480 }));
    await screen.start();
    expect(await greeting(screen.port)).toBe('RFB 003.008\n');
    const { stdout } = await run('xwininfo', ['-root'], { env: screen.processEnv() });
    expect(stdout).toMatch(/Width: 640\s+Height: 480/);
    expect(screen.capability()).toEqual({
      name: 'screen',
      protocol: 'rfb/3.8',
      url: `rfb://127.0.0.1:${screen.port}`,
      params: {
        display: screen.display,
        width: 640,
        height: 480,
        horizontal_scroll: 'shift-wheel',
      },
    });
    expect(screen.processEnv({ A: '1' })).toEqual({ A: '1', DISPLAY: `:${screen.display}` });
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(screen.pids.vnc)], {
      encoding: 'utf8',
    });
    expect(args).toContain('-localhost');
  });

  it('stops both process groups and frees the display', async () => {
    const screen = tracked(new Screen({ width: 320, height: 200 }));
    await screen.start();
    const { xvfb, vnc } = screen.pids;
    const display = screen.display;
    expect([alive(xvfb), alive(vnc)]).toEqual([true, true]);
    expect(existsSync(`/tmp/.X11-unix/X${display}`)).toBe(true);
    await screen.stop();
    expect([alive(xvfb), alive(vnc)]).toEqual([false, false]);
    expect(existsSync(`/tmp/.X11-unix/X${display}`)).toBe(false);
    expect(screen.started).toBe(false);
    expect(() => screen.display).toThrow(/not started/);
    await screen.stop();
  });

  it('gives two screens two displays and two ports', async () => {
    const [first, second] = [tracked(new Screen()), tracked(new Screen())];
    await Promise.all([first.start(), second.start()]);
    expect(first.display).not.toBe(second.display);
    expect(first.port).not.toBe(second.port);
  });

  it('publishes the password and keeps it out of the process table', async () => {
    const screen = tracked(new Screen({ password: 'pa55word', width: 200, height: 100 }));
    await screen.start();
    expect(screen.capability().params).toMatchObject({ password: 'pa55word' });
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(screen.pids.vnc)], {
      encoding: 'utf8',
    });
    expect(args).not.toContain('pa55word');
    // RFB 3.8 security types after the version: one type, 2 = VNC authentication.
    const socket = connect({ host: '127.0.0.1', port: screen.port });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (Buffer.concat(received).length === 12) socket.write('RFB 003.008\n');
      if (Buffer.concat(received).length >= 14) socket.destroy();
    });
    await new Promise((resolve) => socket.on('close', resolve));
    expect([...Buffer.concat(received).subarray(12, 14)]).toEqual([1, 2]);
  });

  it('reports an Xvfb that will not start with its stderr', async () => {
    const screen = tracked(new Screen({ xvfbArgs: ['-no-such-option'] }));
    const error = await rejectedError(HudError, screen.start());
    expect(error.code).toBe('not_ready');
    expect(error.message).toMatch(/^Xvfb exited .* while starting the X display/);
    expect(error.message).toContain('-no-such-option');
  });

  it('reports a missing program as unsupported with the package to install', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await rejectedError(HudError, tracked(new Screen()).start());
      expect(error.code).toBe('unsupported');
      expect(error.message).toContain('apt-get install xvfb');
    } finally {
      process.env.PATH = path;
    }
  });

  it('tries another port when x11vnc loses its port to another process', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    const ports = [takenPort];
    const freshPort = async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise((resolve) => probe.close(resolve));
      return port;
    };
    const { startScreenProcesses } = await import('./screen-processes.js');
    const started = await startScreenProcesses({
      width: 200,
      height: 100,
      depth: 24,
      password: undefined,
      xvfbArgs: [],
      x11vncArgs: [],
      timeoutMs: 20_000,
      choosePort: async () => ports.shift() ?? freshPort(),
    }).finally(() => taken.close());
    try {
      expect(started.port).not.toBe(takenPort);
      expect(await greeting(started.port)).toBe('RFB 003.008\n');
    } finally {
      await started.vnc.stop();
      await started.xvfb.stop();
    }
  });

  it('validates the size up front', () => {
    expect(() => new Screen({ width: 0 })).toThrow(/width must be 1..65535/);
    expect(() => new Screen({ depth: 32 })).toThrow(/depth must be 8, 16 or 24/);
  });
});

describe.skipIf(missing.length > 0)('env.screen()', () => {
  it('served with a token: a fresh VNC password guards the port, and clients past hello get it', async () => {
    const env = new Environment({ name: 'screen-env' });
    const screen = env.screen({ width: 320, height: 200 });
    const { server } = await served(env, { token: 'control-token' });
    const { params } = env.capability('screen');
    expect(params?.password).toMatch(/^[\w-]{8}$/);
    // Straight to the port: only VNC authentication is offered, and without the password it fails.
    expect(await rfbSecurityTypes(`tcp://127.0.0.1:${screen.port}`)).toEqual([2]);
    const direct = await connectRfb(screen.url).catch((error: unknown) => error);
    expect(HudError.isInstance(direct) && direct.code).toBe('unsupported');
    const guessed = await connectRfb(screen.url, { password: 'guessed!' }).catch(
      (error: unknown) => error,
    );
    expect(HudError.isInstance(guessed) && guessed.code).toBe('invalid_argument');

    const client = await HudClient.connect(server.url, {
      heartbeatIntervalMs: 0,
      token: 'control-token',
    });
    cleanups.push(() => client.close());
    const rfb = await client.open<RfbClient>('screen');
    expect([rfb.width, rfb.height]).toEqual([320, 200]);
  });

  it('served without a token, keeps security type None (hud-python peers connect as before)', async () => {
    const env = new Environment({ name: 'screen-env' });
    const screen = env.screen({ width: 320, height: 200 });
    await served(env);
    expect(env.capability('screen').params).not.toHaveProperty('password');
    expect(await rfbSecurityTypes(`tcp://127.0.0.1:${screen.port}`)).toEqual([1]);
  });

  it('publishes the capability from an initialize hook and stops the daemons on shutdown', async () => {
    const env = new Environment({ name: 'screen-env' });
    const screen = env.screen({ name: 'desktop', width: 300, height: 200 });
    expect(screen.started).toBe(false);
    await env.start();
    const pids = screen.pids;
    expect(env.capability('desktop')).toMatchObject({
      protocol: 'rfb/3.8',
      url: screen.url,
      params: { display: screen.display, width: 300, height: 200 },
    });
    await env.stop();
    expect([alive(pids.xvfb), alive(pids.vnc)]).toEqual([false, false]);
  });
});
