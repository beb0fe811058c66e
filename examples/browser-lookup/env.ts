import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { CdpClient } from '@hud/protocol';
import { z } from 'zod';

export const env = new Environment({ name: 'browser-lookup', version: '0.1.0' });

/** The facts on the page: made up, so a model can only know them by reading it. */
export const LIGHTHOUSES = {
  Velmora: { height: '42', keeper: 'Ilse Marr', first_lit: '1871' },
  Skarholt: { height: '27', keeper: 'Tomas Enke', first_lit: '1902' },
  'Port Aubrel': { height: '58', keeper: 'Noor Vasquez', first_lit: '1889' },
} as const;
type Lighthouse = keyof typeof LIGHTHOUSES;
type Field = keyof (typeof LIGHTHOUSES)[Lighthouse];

const rows = Object.entries(LIGHTHOUSES)
  .map(
    ([name, fact]) =>
      `<tr data-name="${name}"><td>${name}</td><td class="height">${fact.height} m</td><td class="keeper">${fact.keeper}</td><td class="first_lit">${fact.first_lit}</td></tr>`,
  )
  .join('');
const PAGES: Record<string, string> = {
  '/': `<!doctype html><title>Coastal Archive</title><body><h1>Coastal Archive</h1>
    <p>Records of the northern coast.</p><a id="registry" href="/lighthouses">Lighthouse registry</a></body>`,
  '/lighthouses': `<!doctype html><title>Lighthouse registry</title><body><h1>Lighthouse registry</h1>
    <table><thead><tr><th>Lighthouse</th><th>Height</th><th>Keeper</th><th>First lit</th></tr></thead>
    <tbody>${rows}</tbody></table></body>`,
};

/** The archive's address, set once its server runs. The browser reaches it; agents see it through the browser. */
let site = '';
let pages: Server | undefined;

env.initialize(async () => {
  const server = createServer((request, response) => {
    const page = PAGES[new URL(request.url ?? '/', 'http://archive').pathname];
    response.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pages = server;
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
env.shutdown(async () => {
  const server = pages;
  pages = undefined;
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

// Headless Chromium, published as the `browser` capability (cdp/1.3).
env.browser();

/** Reads one fact the way an agent would: drives the environment's own browser over CDP. */
async function readFact(lighthouse: Lighthouse, field: Field): Promise<string> {
  const browser = await CdpClient.connect(env.capability('browser'));
  try {
    const loaded = browser.waitForEvent('Page.loadEventFired');
    await browser.send('Page.navigate', { url: new URL('/lighthouses', site).href });
    await loaded;
    const { result } = await browser.send<{ result: { value?: string } }>('Runtime.evaluate', {
      expression: `document.querySelector('tr[data-name=${JSON.stringify(lighthouse)}] .${field}')?.textContent ?? ''`,
      returnByValue: true,
    });
    return (result.value ?? '').replace(/ m$/, '');
  } finally {
    await browser.close();
  }
}

const FIELD_WORDS: Record<Field, string> = {
  height: 'height in metres (just the number)',
  keeper: 'keeper (full name)',
  first_lit: 'year it was first lit',
};

export const lookup = env.template(
  {
    id: 'lookup',
    description: 'Find a fact about a lighthouse on a local web page, through the browser.',
    args: z.object({
      lighthouse: z.enum(Object.keys(LIGHTHOUSES) as [Lighthouse, ...Lighthouse[]]),
      field: z.enum(['height', 'keeper', 'first_lit']),
    }),
    solution: ({ lighthouse, field }) => readFact(lighthouse, field),
  },
  async function* ({ lighthouse, field }) {
    const answer =
      yield `Use the browser to open ${site} and find the lighthouse registry. What is the ${FIELD_WORDS[field]} of the ${lighthouse} lighthouse? Reply with just the value.`;
    yield exactMatch(answer, LIGHTHOUSES[lighthouse][field]);
  },
);
