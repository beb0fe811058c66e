import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CdpFront } from './cdp-front.js';
import { type CdpMessage, CdpPipe } from './cdp-pipe.js';
import { canCheckPeerProcess, connectedFromThisProcess } from './same-process-peer.js';

const run = promisify(execFile);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A scripted browser on the far side of a pipe: NUL-framed JSON both ways, as Chromium's
 * `--remote-debugging-pipe`. It records what it receives and answers a few commands.
 */
function fakeBrowser() {
  const toBrowser = new PassThrough();
  const fromBrowser = new PassThrough();
  const received: CdpMessage[] = [];
  let sessions = 0;
  const emit = (message: CdpMessage) => fromBrowser.write(`${JSON.stringify(message)}\0`);
  let buffered = '';
  toBrowser.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\0'); end !== -1; end = buffered.indexOf('\0')) {
      const message = JSON.parse(buffered.slice(0, end)) as CdpMessage;
      buffered = buffered.slice(end + 1);
      received.push(message);
      const { id, method, sessionId } = message;
      const reply = (result: Record<string, unknown>) =>
        emit(sessionId === undefined ? { id, result } : { id, result, sessionId });
      if (method === 'Target.attachToBrowserTarget' || method === 'Target.attachToTarget') {
        if (message.params?.targetId === 'missing') {
          emit({ id, error: { code: -32602, message: 'No target with given id found' } });
        } else reply({ sessionId: `S${++sessions}` });
      } else if (method === 'Browser.getVersion') {
        reply({
          product: 'Chrome/1.0',
          protocolVersion: '1.3',
          userAgent: 'X AppleWebKit/537.36 Y',
          jsVersion: '9',
          revision: '@abc',
        });
      } else if (method === 'Target.getTargets') {
        reply({
          targetInfos: [
            { targetId: 'P1', type: 'page', title: 'one', url: 'about:blank' },
            { targetId: 'B', type: 'browser', title: '', url: '' },
          ],
        });
      } else if (method === 'Runtime.evaluate') {
        reply({ echo: message.params?.expression });
      } else if (method === 'Target.detachFromTarget') {
        reply({});
      } else emit({ id, error: { code: -32601, message: `'${method}' wasn't found` }, sessionId });
    }
  });
  return { pipe: new CdpPipe(toBrowser, fromBrowser), received, emit, fromBrowser };
}

/** A WebSocket client collecting every message it gets. */
async function wsClient(url: string) {
  const socket = new WebSocket(url);
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  cleanups.push(() => socket.terminate());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    messages,
    closed,
    send: (message: object) => socket.send(JSON.stringify(message)),
    async next(count: number): Promise<Record<string, unknown>[]> {
      while (messages.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return messages.slice(0, count);
    },
  };
}

async function startFront(options: Parameters<typeof CdpFront.start>[1] = {}) {
  const browser = fakeBrowser();
  const front = await CdpFront.start(browser.pipe, options);
  cleanups.push(() => front.close());
  return { browser, front };
}

describe('CdpFront (a scripted browser on the pipe)', () => {
  it('serves /json/version and /json/list as Chromium does, on its own port', async () => {
    const { front } = await startFront();
    const version = await (await fetch(`${front.url}/json/version`)).json();
    expect(version).toEqual({
      Browser: 'Chrome/1.0',
      'Protocol-Version': '1.3',
      'User-Agent': 'X AppleWebKit/537.36 Y',
      'V8-Version': '9',
      'WebKit-Version': '537.36 (@abc)',
      webSocketDebuggerUrl: front.browserWebSocketUrl,
    });
    const list = await (await fetch(`${front.url}/json/list`)).json();
    expect(list).toEqual([
      {
        description: '',
        devtoolsFrontendUrl: '',
        id: 'P1',
        title: 'one',
        type: 'page',
        url: 'about:blank',
        webSocketDebuggerUrl: `ws://127.0.0.1:${front.port}/devtools/page/P1`,
      },
    ]);
    expect((await fetch(`${front.url}/json/new`)).status).toBe(405);
    expect((await fetch(`${front.url}/nothing`)).status).toBe(404);
  });

  it('gives each client its own session: ids renumbered and restored, its root sessionId hidden', async () => {
    const { browser, front } = await startFront();
    const first = await wsClient(front.browserWebSocketUrl);
    const second = await wsClient(`ws://127.0.0.1:${front.port}/devtools/page/P1`);
    first.send({ id: 1, method: 'Runtime.evaluate', params: { expression: 'a' } });
    second.send({ id: 1, method: 'Runtime.evaluate', params: { expression: 'b' } });
    expect(await first.next(1)).toEqual([{ id: 1, result: { echo: 'a' } }]);
    expect(await second.next(1)).toEqual([{ id: 1, result: { echo: 'b' } }]);
    // On the pipe: distinct ids, each client's command on its own session.
    const evaluations = browser.received.filter(({ method }) => method === 'Runtime.evaluate');
    expect(new Set(evaluations.map(({ id }) => id)).size).toBe(2);
    expect(evaluations.map(({ sessionId }) => sessionId).sort()).toEqual(['S1', 'S2']);
    expect(
      browser.received.find(({ method }) => method === 'Target.attachToTarget')?.params,
    ).toEqual({ targetId: 'P1', flatten: true });
  });

  it('routes events by session: root events lose their sessionId, child sessions keep it, others see nothing', async () => {
    const { browser, front } = await startFront();
    const owner = await wsClient(front.browserWebSocketUrl); // session S1
    const bystander = await wsClient(front.browserWebSocketUrl); // session S2
    // Auto-attach announces a child session C1 on the owner's root session.
    browser.emit({
      method: 'Target.attachedToTarget',
      params: { sessionId: 'C1', targetInfo: { targetId: 'P1' } },
      sessionId: 'S1',
    });
    browser.emit({ method: 'Page.loadEventFired', params: { timestamp: 1 }, sessionId: 'C1' });
    browser.emit({ method: 'Unrelated.event', params: {}, sessionId: 'ZZ' });
    const [announced, loaded] = await owner.next(2);
    expect(announced).toEqual({
      method: 'Target.attachedToTarget',
      params: { sessionId: 'C1', targetInfo: { targetId: 'P1' } },
    });
    expect(loaded).toEqual({
      method: 'Page.loadEventFired',
      params: { timestamp: 1 },
      sessionId: 'C1',
    });
    // A command on the child session keeps its sessionId on the way in.
    owner.send({ id: 7, method: 'Runtime.evaluate', params: { expression: 'c' }, sessionId: 'C1' });
    expect((await owner.next(3))[2]).toEqual({ id: 7, result: { echo: 'c' }, sessionId: 'C1' });
    expect(bystander.messages).toEqual([]);
  });

  it('closes a page client whose page goes away, and detaches a client that leaves', async () => {
    const { browser, front } = await startFront();
    const page = await wsClient(`ws://127.0.0.1:${front.port}/devtools/page/P1`); // S1
    browser.emit({ method: 'Target.detachedFromTarget', params: { sessionId: 'S1' } });
    await page.closed;
    const leaving = await wsClient(front.browserWebSocketUrl); // S2
    leaving.socket.close();
    await leaving.closed;
    await expect
      .poll(() => browser.received.filter(({ method }) => method === 'Target.detachFromTarget'))
      .toEqual([expect.objectContaining({ params: { sessionId: 'S2' } })]);
  });

  it('answers an unknown page with 404, like Chromium', async () => {
    const { front } = await startFront();
    const socket = new WebSocket(`ws://127.0.0.1:${front.port}/devtools/page/missing`);
    const status = await new Promise((resolve) => {
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.once('error', () => resolve('error'));
    });
    expect(status).toBe(404);
  });

  it('refuses (403) a connection its accept check rejects, before reading a byte', async () => {
    const { front } = await startFront({
      accept: async () => false,
      refusal: 'go through the tunnel',
    });
    const response = await fetch(`${front.url}/json/version`);
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('go through the tunnel\n');
  });
});

describe.skipIf(!canCheckPeerProcess)('connectedFromThisProcess', () => {
  it('accepts this process and refuses another one', async () => {
    const { front } = await startFront({ accept: connectedFromThisProcess, refusal: 'not you' });
    expect((await fetch(`${front.url}/json/version`)).status).toBe(200);
    const script = `fetch(${JSON.stringify(`${front.url}/json/version`)}).then((r) => process.stdout.write(String(r.status)))`;
    const { stdout } = await run(process.execPath, ['-e', script]);
    expect(stdout).toBe('403');
  });
});
