import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type CdpClient, HudClient } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, served } from '../__fixtures__/served.js';
import { Environment } from '../environment.js';
import { BrowserLaunchError, ChromiumBrowser, DEFAULT_CHROMIUM_PATH } from './browser.js';
import { processGroupAlive } from './browser-process.js';

// Real Chromium from Debian's package (`apt-get install chromium`). Without it these tests skip with a
// printed reason, except under CI=true, where they run (and fail) so a CI machine cannot lose them silently.
const noChromium =
  !existsSync(DEFAULT_CHROMIUM_PATH) && process.env.CI !== 'true' && process.env.CI !== '1';
if (noChromium) {
  console.warn(
    `skipping browser tests: no Chromium at ${DEFAULT_CHROMIUM_PATH} (apt-get install chromium)`,
  );
}

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeAll();
});

/** A loopback page server: `/` answers `html`. */
async function pageServer(html: string): Promise<string> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/**
 * Points TMPDIR at a fresh directory for the rest of the test, so that the profile directory, and so every
 * command line of the Chromium started meanwhile, names it; TMPDIR is restored and the directory removed
 * after the test. Returns the directory.
 */
function scratchTmpdir(): string {
  const scratch = mkdtempSync(path.join(tmpdir(), 'hud-bt-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  cleanups.push(async () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    // Chromium's last helper processes may still be writing there for a moment after the browser stops.
    rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });
  return scratch;
}

/** Pids of processes whose command line mentions `marker` (Linux /proc). */
function processesMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (command.includes(marker)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** `GET url` from a separate Node process (a process that is not this server). */
async function fetchFromChild(url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
  const { stdout } = await run(process.execPath, ['-e', script]);
  return JSON.parse(stdout) as { status: number; body: string };
}

/** A raw DevTools WebSocket client: `send` resolves with the result, rejects with the error message. */
async function rawCdp(url: string): Promise<{
  send<T>(method: string, params?: object, sessionId?: string): Promise<T>;
  close(): void;
}> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    const entry = message.id === undefined ? undefined : waiting.get(message.id);
    if (entry === undefined) return;
    waiting.delete(message.id as number);
    if (message.error) entry.reject(new Error(message.error.message));
    else entry.resolve(message.result);
  });
  let nextId = 1;
  return {
    send: <T>(method: string, params: object = {}, sessionId?: string) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        socket.send(
          JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }),
        );
      }),
    close: () => socket.close(),
  };
}

describe.skipIf(noChromium)('ChromiumBrowser', () => {
  it('launches headless Chromium on 127.0.0.1 with a fresh profile and stops its whole process group', async () => {
    const browser = await ChromiumBrowser.launch();
    cleanups.push(() => browser.close());
    expect(browser.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(browser.browserWebSocketUrl).toMatch(
      /^ws:\/\/127\.0\.0\.1:\d+\/devtools\/browser\/[\w-]+$/,
    );
    expect(browser.capability()).toEqual({
      name: 'browser',
      protocol: 'cdp/1.3',
      url: browser.url,
      params: {},
    });
    const version = (await (await fetch(`${browser.url}/json/version`)).json()) as Record<
      string,
      string
    >;
    expect(version.Browser).toMatch(/Chrome|Chromium/);
    expect(existsSync(browser.userDataDir)).toBe(true);
    // The renderer, GPU and utility processes share the group and carry the profile path.
    expect(processesMentioning(browser.userDataDir).length).toBeGreaterThan(1);
    expect(browser.running).toBe(true);

    await browser.close();
    expect(processGroupAlive(browser.pgid)).toBe(false);
    expect(processesMentioning(browser.userDataDir)).toEqual([]);
    expect(existsSync(browser.userDataDir)).toBe(false);
    await browser.close(); // idempotent
  });

  it('reports a missing executable and one that exits before announcing its port', async () => {
    const missing = ChromiumBrowser.launch({ executablePath: '/nonexistent/chromium' });
    await expect(missing).rejects.toBeInstanceOf(BrowserLaunchError);
    await expect(missing).rejects.toMatchObject({ code: 'not_found' });
    const exits = ChromiumBrowser.launch({ executablePath: '/bin/false' });
    await expect(exits).rejects.toMatchObject({ code: 'exited_early' });
  });

  it('starts under a TMPDIR too long for a Unix socket path (Chromium puts its singleton socket there)', async () => {
    const long = path.join(mkdtempSync(path.join(tmpdir(), 'hud-long-')), 'x'.repeat(80));
    mkdirSync(long, { recursive: true });
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = long;
    try {
      const browser = await ChromiumBrowser.launch();
      cleanups.push(() => browser.close());
      expect(browser.userDataDir.startsWith(long)).toBe(true);
      expect(browser.running).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      // Chromium's last helper processes may still be writing there for a moment after the browser stops.
      cleanups.push(async () =>
        rmSync(path.dirname(long), {
          recursive: true,
          force: true,
          maxRetries: 10,
          retryDelay: 100,
        }),
      );
    }
  });

  it('dies with its owner: SIGKILL of the launching process takes Chromium down (watchdog)', async () => {
    const compiled = fileURLToPath(new URL('../../dist/capabilities/browser.js', import.meta.url));
    expect(existsSync(compiled), 'build @hud/environment first (pnpm build)').toBe(true);
    const script = `
      const { ChromiumBrowser } = await import(${JSON.stringify(compiled)});
      const browser = await ChromiumBrowser.launch();
      process.stdout.write(JSON.stringify({ pgid: browser.pgid, profile: browser.userDataDir }) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = await new Promise<{ pgid: number; profile: string }>((resolve, reject) => {
      let text = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0] as string));
      });
      owner.once('exit', (code) => reject(new Error(`owner exited (${code}) before launching`)));
    });
    cleanups.push(async () => {
      try {
        process.kill(-started.pgid, 'SIGKILL');
      } catch {
        // already gone, as expected
      }
      const { rm } = await import('node:fs/promises');
      await rm(started.profile, { recursive: true, force: true });
    });
    expect(processGroupAlive(started.pgid)).toBe(true);
    owner.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (processGroupAlive(started.pgid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(processGroupAlive(started.pgid)).toBe(false);
  });
});

describe.skipIf(noChromium)('env.browser() through the control channel', () => {
  it('publishes cdp/1.3 and lets a CdpClient navigate to a local page and read it back through the tunnel', async () => {
    const page = await pageServer(
      '<!doctype html><title>Fact sheet</title><body><h1>Velmora</h1><p id="fact">The lighthouse is 42 m tall.</p></body>',
    );
    const scratch = scratchTmpdir();
    const env = new Environment({ name: 'browser-env' });
    env.browser();
    const { server } = await served(env);
    expect(processesMentioning(scratch).length).toBeGreaterThan(0);
    const published = env.capability('browser');
    expect(published).toMatchObject({ protocol: 'cdp/1.3', params: {} });
    expect(published.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    const binding = client.binding('cdp');
    expect(binding.url).not.toBe(published.url);
    const cdp = await client.open<CdpClient>('browser');
    expect(cdp.targetId).toMatch(/^[0-9A-F]{32}$/);
    // Rebuilt on the forwarder's port, not the browser's own.
    expect(cdp.webSocketUrl.startsWith(binding.url.replace(/^http/, 'ws'))).toBe(true);

    const loaded = cdp.waitForEvent('Page.loadEventFired');
    const navigation = await cdp.send<{ frameId: string; errorText?: string }>('Page.navigate', {
      url: page,
    });
    expect(navigation.errorText).toBeUndefined();
    await loaded;
    const evaluated = await cdp.send<{ result: { value: string } }>('Runtime.evaluate', {
      expression: `document.title + ' | ' + document.getElementById('fact').textContent`,
      returnByValue: true,
    });
    expect(evaluated.result.value).toBe('Fact sheet | The lighthouse is 42 m tall.');

    const failure = cdp.send('No.suchMethod');
    await expect(failure).rejects.toMatchObject({ name: 'CdpError', method: 'No.suchMethod' });

    await client.close();
    await server.close();
    expect(processesMentioning(scratch)).toEqual([]);
  });

  it('served with a token: Chromium has no DevTools port, its front refuses other processes and serves the tunnel', async () => {
    const page = await pageServer('<!doctype html><title>Guarded</title><p id="x">inside</p>');
    const scratch = scratchTmpdir();
    const env = new Environment({ name: 'browser-env' });
    env.browser();
    const { server } = await served(env, { token: 'control-token' });
    const published = env.capability('browser');
    expect(published).toMatchObject({ protocol: 'cdp/1.3', params: {} });
    // No Chromium process was given a debugging port: CDP runs on its pipe.
    const commandLines = processesMentioning(scratch).map((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8'),
    );
    expect(commandLines.length).toBeGreaterThan(0);
    expect(commandLines.some((line) => line.includes('--remote-debugging-pipe'))).toBe(true);
    expect(commandLines.filter((line) => line.includes('--remote-debugging-port'))).toEqual([]);

    // Another process going straight to the published port: refused before any DevTools byte.
    const direct = await fetchFromChild(`${published.url}/json/version`);
    expect(direct.status).toBe(403);
    expect(direct.body).toMatch(/tunnel\.open/);

    // Through the control channel with the token: a page client, as before.
    const client = await HudClient.connect(server.url, {
      heartbeatIntervalMs: 0,
      token: 'control-token',
    });
    cleanups.push(() => client.close());
    const cdp = await client.open<CdpClient>('browser');
    const loaded = cdp.waitForEvent('Page.loadEventFired');
    await cdp.send('Page.navigate', { url: page });
    await loaded;
    const evaluated = await cdp.send<{ result: { value: string } }>('Runtime.evaluate', {
      expression: `document.title + ' ' + document.getElementById('x').textContent`,
      returnByValue: true,
    });
    expect(evaluated.result.value).toBe('Guarded inside');

    // And a browser-level client (as browser-use and Playwright connect): its own browser session, with
    // flattened child sessions it attaches itself.
    const routed = client.binding('browser').url;
    const version = (await (await fetch(`${routed}/json/version`)).json()) as {
      webSocketDebuggerUrl: string;
    };
    const browserLevel = await rawCdp(version.webSocketDebuggerUrl);
    cleanups.push(async () => browserLevel.close());
    const { targetInfos } = await browserLevel.send<{
      targetInfos: { targetId: string; type: string }[];
    }>('Target.getTargets');
    const target = targetInfos.find((info) => info.type === 'page') as { targetId: string };
    const { sessionId } = await browserLevel.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId: target.targetId,
      flatten: true,
    });
    const reply = await browserLevel.send<{ result: { value: number } }>(
      'Runtime.evaluate',
      { expression: '6 * 7', returnByValue: true },
      sessionId,
    );
    expect(reply.result.value).toBe(42);
    const unknown = await browserLevel.send('No.suchMethod').catch((error: Error) => error.message);
    expect(unknown).toMatch(/No\.suchMethod/);

    await client.close();
    await server.close();
    expect(processesMentioning(scratch)).toEqual([]);
  });

  it('uses a target_id binding param and creates a page when the browser has none', async () => {
    const browser = await ChromiumBrowser.launch();
    cleanups.push(() => browser.close());
    const { CdpClient } = await import('@hud/protocol');
    const first = await CdpClient.connect(browser.capability());
    cleanups.push(() => first.close());
    const pinned = await CdpClient.connect({
      ...browser.capability(),
      params: { target_id: first.targetId },
    });
    cleanups.push(() => pinned.close());
    expect(pinned.targetId).toBe(first.targetId);
    // A /devtools/ URL is used as it is.
    const verbatim = await CdpClient.connect({
      ...browser.capability(),
      url: `${browser.url.replace(/^http/, 'ws')}/devtools/page/${first.targetId}`,
    });
    cleanups.push(() => verbatim.close());
    expect(verbatim.targetId).toBe(first.targetId);

    // Close every page: the next client gets a fresh about:blank one.
    const targets = (await (await fetch(`${browser.url}/json`)).json()) as {
      id: string;
      type: string;
    }[];
    for (const target of targets.filter((target) => target.type === 'page')) {
      await fetch(`${browser.url}/json/close/${target.id}`);
    }
    // Closing is asynchronous: wait until /json lists no page any more.
    const pagesLeft = async () =>
      ((await (await fetch(`${browser.url}/json`)).json()) as { type: string }[]).filter(
        (target) => target.type === 'page',
      ).length;
    for (let attempt = 0; attempt < 100 && (await pagesLeft()) > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await pagesLeft()).toBe(0);
    const created = await CdpClient.connect(browser.capability());
    cleanups.push(() => created.close());
    expect(created.targetId).toBeDefined();
    expect(created.targetId).not.toBe(first.targetId);
    const href = await created.send<{ result: { value: string } }>('Runtime.evaluate', {
      expression: 'location.href',
      returnByValue: true,
    });
    expect(href.result.value).toBe('about:blank');
  });
});
