import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HudError } from '@hud/protocol';
import { Daemon } from './screen-daemon.js';

/** What {@link startScreenProcesses} needs. */
export interface ScreenProcessOptions {
  width: number;
  height: number;
  depth: number;
  password: string | undefined;
  xvfbArgs: readonly string[];
  x11vncArgs: readonly string[];
  timeoutMs: number;
  /** Picks the VNC port to try (default: one free a moment ago); tests use it to lose the race. */
  choosePort?: () => Promise<number>;
}

/** A running X display with a VNC server on it. */
export interface ScreenProcesses {
  display: number;
  port: number;
  xvfb: Daemon;
  vnc: Daemon;
}

const RFB_GREETING = 'RFB 003.008\n';
const PORT_ATTEMPTS = 3;

/**
 * Starts Xvfb on a free display (it reports the number on `-displayfd`), then x11vnc on a free
 * 127.0.0.1 port, and waits until that port greets with `RFB 003.008`. On failure everything started is
 * stopped again.
 * @throws HudError `unsupported` when Xvfb or x11vnc is not installed; `not_ready` when one exits or stays
 *   silent (with its stderr).
 */
export async function startScreenProcesses(
  options: ScreenProcessOptions,
): Promise<ScreenProcesses> {
  const deadline = Date.now() + options.timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const xvfb = await Daemon.spawn(
    'Xvfb',
    [
      '-displayfd',
      '3',
      '-screen',
      '0',
      `${options.width}x${options.height}x${options.depth}`,
      '-nolisten',
      'tcp',
      // Without it the server resets when its last client leaves, dropping state between x11vnc restarts.
      '-noreset',
      ...options.xvfbArgs,
    ],
    { extraFds: 1, installHint: 'apt-get install xvfb' },
  );
  try {
    const [, displayText] = await xvfb.waitForOutput(/^(\d+)\n/, {
      fd: 3,
      timeoutMs: remaining(),
      doing: 'starting the X display',
    });
    const display = Number(displayText);
    for (let attempt = 1; ; attempt++) {
      const port = await (options.choosePort ?? freePort)();
      const { vnc, secrets } = await startX11vnc(display, port, options);
      try {
        await vnc.waitForOutput(/^PORT=(\d+)$/m, {
          timeoutMs: remaining(),
          doing: `starting the VNC server on display :${display}`,
        });
        await waitForGreeting(port, vnc, remaining());
        return { display, port, xvfb, vnc };
      } catch (error) {
        await vnc.stop();
        // Another process may have taken the port between our probe and x11vnc's bind: try another.
        const lostPort = /could not obtain listening port|address already in use/i.test(vnc.stderr);
        if (!lostPort || attempt >= PORT_ATTEMPTS) throw error;
      } finally {
        // x11vnc reads (and removes) the password file before it listens.
        if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
      }
    }
  } catch (error) {
    await xvfb.stop();
    throw error;
  }
}

async function startX11vnc(
  display: number,
  port: number,
  options: ScreenProcessOptions,
): Promise<{ vnc: Daemon; secrets: string | undefined }> {
  const auth: string[] = ['-nopw'];
  let secrets: string | undefined;
  if (options.password !== undefined) {
    // Not `-passwd`: argv is world-readable in the process table. `rm:` makes x11vnc delete the file.
    secrets = await mkdtemp(join(tmpdir(), 'hud-screen-'));
    const file = join(secrets, 'passwd');
    await writeFile(file, `${options.password}\n`, { mode: 0o600 });
    auth.push('-passwdfile', `rm:${file}`);
  }
  const args = [
    ...['-display', `:${display}`, '-rfbport', String(port), '-localhost', '-forever', '-shared'],
    // IPv4 only: without it, a taken port makes x11vnc fall back to listening on [::1] alone.
    '-noipv6',
    // Answer update requests at once instead of napping when the screen is idle (1 s → 30 ms), and
    // send what is on the screen: no wireframes for moving windows, no guessed scroll copies.
    ...['-nonap', '-nowireframe', '-noscrollcopyrect', '-noxrecord'],
  ];
  try {
    const vnc = await Daemon.spawn('x11vnc', [...args, ...auth, ...options.x11vncArgs], {
      installHint: 'apt-get install x11vnc',
    });
    return { vnc, secrets };
  } catch (error) {
    if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
    throw error;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** Polls `port` until the server sends the RFB 3.8 greeting. */
async function waitForGreeting(port: number, vnc: Daemon, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!vnc.running) throw vnc.failure(`starting the VNC server on port ${port}`, 'exited');
    const greeting = await readGreeting(port).catch((error: Error) => {
      last = error.message;
      return undefined;
    });
    if (greeting === RFB_GREETING) return;
    if (greeting !== undefined) last = `it greeted with ${JSON.stringify(greeting)}`;
    await sleep(50);
  }
  throw new HudError(
    'not_ready',
    `the VNC server on 127.0.0.1:${port} did not greet with RFB 003.008 in ${timeoutMs} ms (${last})`,
  );
}

function readGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(new Error('no greeting within 2 s')), 2_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= RFB_GREETING.length) socket.destroy();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received.subarray(0, RFB_GREETING.length).toString('latin1'));
    });
  });
}
