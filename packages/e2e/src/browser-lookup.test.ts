import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type AgentTool, browserToolProvider, buildToolset } from '@hud/agents';
import { DEFAULT_CHROMIUM_PATH } from '@hud/environment';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectExampleReward,
  leftoverProcesses,
  processesMentioning,
  removeScratch,
  scratchDir,
} from './support/eval-harness.js';
import { connectClient, REPO_ROOT, serveEnv } from './support/served-env.js';

// examples/browser-lookup through the real CLI with real Chromium. Every process this file starts gets
// TMPDIR=<scratch>/tmp, so Chromium's profile directories (and thereby its command lines) name that
// directory: the process table then shows exactly the browsers this file left behind, if any.

// Real Chromium from Debian's package (`apt-get install chromium`). Without it these tests skip with a
// printed reason, except under CI=true, where they run (and fail) so a CI machine cannot lose them silently.
const noChromium =
  !existsSync(DEFAULT_CHROMIUM_PATH) && process.env.CI !== 'true' && process.env.CI !== '1';
if (noChromium) {
  console.warn(
    `skipping browser tests: no Chromium at ${DEFAULT_CHROMIUM_PATH} (apt-get install chromium)`,
  );
}

const EXAMPLE = path.join(REPO_ROOT, 'examples/browser-lookup');
const TASKS = path.join(EXAMPLE, 'tasks.ts');
const ENV_FILE = path.join(EXAMPLE, 'env.ts');

let tmp: string;
const savedTmpdir = process.env.TMPDIR;
beforeAll(() => {
  tmp = path.join(scratchDir('browser'), 'tmp');
  mkdirSync(tmp);
  process.env.TMPDIR = tmp;
});
afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  removeScratch();
});

describe.skipIf(noChromium)('hud eval examples/browser-lookup', () => {
  it('oracle scores 1.0 (its solution reads the page through the env’s Chromium) and leaves no Chromium behind', async () => {
    await expectExampleReward(TASKS, 'oracle', '1.000', 2);
    expect(await leftoverProcesses(tmp, 10_000), 'Chromium processes left behind').toEqual([]);
  });

  it('nop scores 0.0', async () => {
    await expectExampleReward(TASKS, 'nop', '0.000', 2);
    expect(await leftoverProcesses(tmp, 10_000), 'Chromium processes left behind').toEqual([]);
  });
});

describe.skipIf(noChromium)('the browser tools against hud serve examples/browser-lookup', () => {
  it('find the fact by navigating, clicking and reading, which grades 1.0; SIGTERM stops Chromium', async () => {
    const served = await serveEnv(ENV_FILE);
    let stopped = false;
    try {
      expect(processesMentioning(tmp).length).toBeGreaterThan(0); // Chromium runs
      const client = await connectClient(served);
      try {
        const { prompt } = await client.startTask('lookup', {
          lighthouse: 'Skarholt',
          field: 'keeper',
        });
        const site = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(String(prompt))?.[1];
        expect(site, String(prompt)).toBeDefined();
        const tools = new Map<string, AgentTool>(
          (
            await buildToolset({ client, bindings: client.manifest?.bindings ?? [] }, [
              browserToolProvider,
            ])
          ).map((tool) => [tool.name, tool]),
        );
        const run = (name: string, input: Record<string, unknown>) =>
          (tools.get(name) as AgentTool).run(input);
        const text = (output: Awaited<ReturnType<AgentTool['run']>>) =>
          output.content.map((part) => (part.type === 'text' ? part.text : '')).join('');

        expect(text(await run('navigate', { url: site }))).toContain('"Coastal Archive"');
        expect(text(await run('click', { selector: '#registry' }))).toContain(
          '"Lighthouse registry"',
        );
        const row = text(await run('read_page', { selector: 'tr[data-name="Skarholt"]' }));
        expect(row).toContain('Tomas Enke');
        expect((await client.grade({ answer: 'Tomas Enke' })).score).toBe(1);
      } finally {
        await client.close();
      }
      expect(await served.stop()).toBe(0);
      stopped = true;
      expect(await leftoverProcesses(tmp, 10_000), 'Chromium processes left behind').toEqual([]);
    } finally {
      if (!stopped) await served.stop();
    }
  });
});
