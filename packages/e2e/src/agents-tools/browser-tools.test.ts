import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AgentTool, browserToolProvider, buildToolset } from '@hud/agents';
import { DEFAULT_CHROMIUM_PATH, Environment, serve } from '@hud/environment';
import { HudClient } from '@hud/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real Chromium (env.browser) reached through the control channel's tunnel, driven by the browser tools.

// Real Chromium from Debian's package (`apt-get install chromium`). Without it these tests skip with a
// printed reason, except under CI=true, where they run (and fail) so a CI machine cannot lose them silently.
const noChromium =
  !existsSync(DEFAULT_CHROMIUM_PATH) && process.env.CI !== 'true' && process.env.CI !== '1';
if (noChromium) {
  console.warn(
    `skipping browser tests: no Chromium at ${DEFAULT_CHROMIUM_PATH} (apt-get install chromium)`,
  );
}

const PAGES: Record<string, string> = {
  '/': `<!doctype html><title>Greeter</title><body>
    <h1>Greeter</h1>
    <input id="name" placeholder="name">
    <button id="go" onclick="document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value + '!'">Greet</button>
    <p id="out"></p>
    <form action="/search" method="get"><input id="q" name="q"></form>
    <a id="next" href="/second">next page</a>
    <p id="long">${'lorem ipsum '.repeat(2000)}</p>
  </body>`,
  '/second': '<!doctype html><title>Second</title><body><p>You reached the second page.</p></body>',
};

let pages: Server;
let base: string;
let close: () => Promise<void>;
let tools: Map<string, AgentTool>;

beforeAll(async () => {
  if (noChromium) return;
  pages = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const body =
      url.pathname === '/search'
        ? `<!doctype html><title>Results</title><body><p>Results for ${url.searchParams.get('q')}</p></body>`
        : PAGES[url.pathname];
    response.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;

  const env = new Environment({ name: 'browser-tools' });
  env.browser();
  const server = await serve(env);
  const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
  const built = await buildToolset({ client, bindings: client.manifest?.bindings ?? [] }, [
    browserToolProvider,
  ]);
  tools = new Map(built.map((tool) => [tool.name, tool]));
  close = async () => {
    await client.close();
    await server.close();
    await new Promise<void>((resolve) => {
      pages.close(() => resolve());
      pages.closeAllConnections();
    });
  };
});
afterAll(() => close?.());

function tool(name: string): AgentTool {
  const found = tools.get(name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

const textOf = (output: Awaited<ReturnType<AgentTool['run']>>) =>
  output.content.map((part) => (part.type === 'text' ? part.text : `[${part.mimeType}]`)).join('');

describe.skipIf(noChromium)('browser tools over CDP', () => {
  it('offers navigate, read_page, click, type and screenshot', () => {
    expect([...tools.keys()]).toEqual(['navigate', 'read_page', 'click', 'type', 'screenshot']);
    for (const each of tools.values()) {
      expect(each.description.length).toBeGreaterThan(20);
      expect(each.inputSchema.type).toBe('object');
    }
  });

  it('navigates, types, clicks and reads the result back', async () => {
    const opened = await tool('navigate').run({ url: `${base}/` });
    expect(opened.isError).toBeUndefined();
    expect(textOf(opened)).toBe(`Opened ${base}/ — "Greeter"`);

    expect((await tool('type').run({ selector: '#name', text: 'Ada' })).isError).toBeUndefined();
    const clicked = await tool('click').run({ selector: '#go' });
    expect(textOf(clicked)).toContain('Clicked #go');
    expect(textOf(await tool('read_page').run({ selector: '#out' }))).toBe(
      `${base}/ — "Greeter"\n\nHello, Ada!`,
    );

    const whole = textOf(await tool('read_page').run({}));
    expect(whole).toContain('Hello, Ada!\n\nnext page');
    expect(whole).toContain('[truncated:');
  });

  it('follows a navigation started by a click and by Enter in a form', async () => {
    await tool('navigate').run({ url: `${base}/` });
    const followed = await tool('click').run({ selector: '#next' });
    expect(textOf(followed)).toBe(`Clicked #next; now on ${base}/second — "Second"`);
    expect(textOf(await tool('read_page').run({}))).toContain('You reached the second page.');

    await tool('navigate').run({ url: `${base}/` });
    const submitted = await tool('type').run({ selector: '#q', text: 'lighthouses', submit: true });
    expect(textOf(submitted)).toContain(`now on ${base}/search?q=lighthouses — "Results"`);
  });

  it('takes a PNG screenshot', async () => {
    await tool('navigate').run({ url: `${base}/` });
    const shot = await tool('screenshot').run({});
    expect(shot.content).toHaveLength(1);
    const [image] = shot.content;
    expect(image?.type).toBe('image');
    if (image?.type !== 'image') return;
    expect(image.mimeType).toBe('image/png');
    const bytes = Buffer.from(image.data, 'base64');
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.readUInt32BE(16)).toBe(1280); // IHDR width: the window size
  });

  it('reports what the model can fix as errors instead of throwing', async () => {
    await tool('navigate').run({ url: `${base}/` });
    const missing = await tool('click').run({ selector: '#nope' });
    expect(missing).toEqual({
      content: [{ type: 'text', text: 'no element matches #nope' }],
      isError: true,
    });
    const badSelector = await tool('read_page').run({ selector: '##' });
    expect(badSelector.isError).toBe(true);
    expect(textOf(badSelector)).toMatch(/not a valid selector/);
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const unreachable = await tool('navigate').run({ url: `http://127.0.0.1:${closedPort}/` });
    expect(unreachable.isError).toBe(true);
    expect(textOf(unreachable)).toMatch(/ERR_CONNECTION_REFUSED/);
    expect((await tool('type').run({ selector: '#name' })).isError).toBe(true);
  });
});
