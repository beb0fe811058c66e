import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CODING_FIX,
  type HudProcess,
  jobIdOf,
  removeScratch,
  scratchDir,
  spawnHud,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';
import { CHROMIUM, haveChromium, LAUNCH_ARGS, shot, viewOrigin } from './support/viewer-store.js';

// The "done when" in a browser: `hud view` on a store made by
// `hud eval examples/coding-fix/tasks.ts oracle --all` lists the job; its trace page shows the grade, the
// oracle's `bash` tool calls with their output, the workspace diff file tracking recorded (src/sum.js
// fixed), the environment's output and the phases.

/** Polls until the page shows what is expected (pages load their data after the first paint). */
const until = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

if (!haveChromium) {
  process.stderr.write(`[viewer e2e] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
}

describe.skipIf(!haveChromium)('hud view over a coding-fix eval', () => {
  let jobId: string;
  let view: HudProcess;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    const store = path.join(scratchDir('viewer-coding-fix'), 'jobs');
    const run = await runHud(['eval', CODING_FIX, 'oracle', '--all', '--store', store], {
      timeoutMs: 150_000,
    });
    expect(run.code, run.stderr).toBe(0);
    jobId = jobIdOf(run.stdout);
    view = spawnHud(['view', store, '--port', '0']);
    origin = await viewOrigin(view);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    view?.kill();
    removeScratch();
  });

  it('lists the job and shows its trace: grade, the bash tool calls, the fix as a diff, output and phases', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/jobs`);
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await until(() => row.count()).toBe(1);
    expect(await row.locator('td.reward').textContent()).toBe('1');
    await row.locator('a.job-link').click();
    const cell = page.locator('a.cell[data-trace]');
    await until(() => cell.count()).toBe(1);
    await cell.click();
    await until(() => page.locator('li.step').count()).toBeGreaterThan(0);
    expect(await page.locator('.grade .reward').textContent()).toBe('1');
    expect(await page.locator('li.source-task .tool-name').first().textContent()).toContain('fix');
    // The oracle acted through the `bash` tool like an agent: each call an agent step, then its tool step
    // with the command and its output.
    const calls = page.locator('li.source-agent .tool-call .tool-name');
    expect(await calls.allTextContents()).toEqual(['→ bash', '→ bash', '→ bash']);
    const tools = page.locator('li.source-tool');
    expect(await tools.locator('.tool-call .tool-name').allTextContents()).toEqual([
      'bash',
      'bash',
      'bash',
    ]);
    const [shown, sed, rerun] = await tools.locator('.tool-result').allTextContents();
    expect(shown).toContain('$ node --test --test-reporter=tap');
    expect(shown).toMatch(/not ok 1 - sums a list[\s\S]*# fail 3/);
    expect(await tools.nth(1).locator('.tool-call').textContent()).toContain(
      "sed -i 's/index < values.length - 1/index < values.length/' src/sum.js",
    );
    expect(sed).toContain('(exit 0)');
    expect(await tools.nth(2).locator('.tool-call').textContent()).toContain('node --test');
    expect(rerun).toMatch(/pass 4/);
    expect(rerun).toContain('(exit 0)');
    expect(await page.locator('li.source-agent').last().textContent()).toContain(
      'Fixed the off-by-one in sum()',
    );
    await shot(page, 'coding-fix-trace');

    await page.locator('button[data-tab="files"]').click();
    const patch = page.locator('.file-patch[data-path="src/sum.js"]');
    await until(() => patch.count()).toBe(1);
    expect(await patch.locator('.file-status').textContent()).toBe('modified');
    expect(await patch.locator('.diff-add').count()).toBeGreaterThan(0);
    expect(await patch.locator('.diff-del').count()).toBeGreaterThan(0);
    await shot(page, 'coding-fix-files');

    await page.locator('button[data-tab="logs"]').click();
    await until(() => page.locator('.log-line').count()).toBeGreaterThan(0);
    await page.locator('button[data-tab="debug"]').click();
    await until(() =>
      page
        .locator('table.events tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-phase'))),
    ).toEqual(expect.arrayContaining(['acquire', 'setup', 'agent', 'grade', 'teardown']));
    await shot(page, 'coding-fix-debug');
    await page.close();
  });
});
