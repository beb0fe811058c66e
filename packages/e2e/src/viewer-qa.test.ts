import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HudProcess,
  jobIdOf,
  LETTER_COUNT,
  readRunLines,
  removeScratch,
  report,
  scratchDir,
  spawnHud,
} from './support/eval-harness.js';
import { FLAGGED_EXPLANATION, judgeEnv, startStrawberryJudge } from './support/qa-judge.js';
import { runHud } from './support/run-hud.js';
import {
  CHROMIUM,
  haveChromium,
  LAUNCH_ARGS,
  SHOTS,
  shot,
  viewOrigin,
} from './support/viewer-store.js';

// Issue 19's "done when" for the viewer: `hud qa run false-positive <job>` over a letter-count job with a
// scripted fake judge records verdicts that `hud view` shows — a flagged badge on the job page and the
// verdict (category, confidence, explanation, evidence steps) on the trace page — in Debian's Chromium.

/** Polls until the page shows what is expected (pages load their data after the first paint). */
const until = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

if (!haveChromium) {
  process.stderr.write(`[viewer e2e] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
}

describe.skipIf(!haveChromium)('QA verdicts in the viewer over hud view', () => {
  let browser: Browser;
  let view: HudProcess;
  let origin: string;
  let jobId: string;
  let flaggedTrace: string;

  beforeAll(async () => {
    const home = scratchDir('viewer-qa');
    const store = path.join(home, 'store');
    const evalRun = await runHud(['eval', LETTER_COUNT, 'oracle', '--all', '--store', store]);
    expect(evalRun.code, evalRun.stderr).toBe(0);
    jobId = jobIdOf(evalRun.stdout);
    const runs = readRunLines(store, jobId);
    const strawberry = runs.find((run) => JSON.stringify(run.prompt).includes('strawberry'));
    flaggedTrace = strawberry?.trace_id ?? '';
    expect(flaggedTrace).not.toBe('');

    // The scripted judge flags the strawberry run and passes the others.
    await using judge = await startStrawberryJudge();
    const qa = await runHud(['qa', 'run', 'false-positive', jobId, '--store', store], {
      env: judgeEnv(home, judge.url),
    });
    expect(qa.code, `${qa.stdout}\n${qa.stderr}`).toBe(1); // one verdict is flagged

    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    view = spawnHud(['view', store, '--port', '0']);
    origin = await viewOrigin(view);
    report(`screenshots in ${SHOTS}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    view?.kill();
    removeScratch();
  });

  it('the job page shows a QA badge per run, the flagged one in red with its category', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/jobs/${jobId}`);
    const badges = page.locator('.matrix-row .qa-badge');
    await until(() => badges.count()).toBe(3);
    const flagged = page.locator(`.matrix-row .qa-badge[data-trace="${flaggedTrace}"]`);
    expect(await flagged.getAttribute('data-verdict')).toBe('flagged');
    expect(await flagged.textContent()).toBe('flagged · lucky-guess');
    expect(
      await flagged.evaluate(
        (el) => el.ownerDocument.defaultView?.getComputedStyle(el).backgroundColor,
      ),
    ).toBe('rgb(198, 40, 40)');
    expect(
      await page.locator('.matrix-row .qa-badge[data-verdict="passed"]').allTextContents(),
    ).toEqual(['passed', 'passed']);
    expect(await page.locator('.matrix-head .qa').textContent()).toBe('QA');
    await shot(page, 'qa-job');
    // the badge leads to the flagged run
    await flagged.click();
    await page.waitForURL(`${origin}/traces/${flaggedTrace}`);
    await page.close();
  });

  it("the trace page shows the verdict's category, confidence, explanation and evidence steps", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/traces/${flaggedTrace}`);
    const result = page.locator('.qa-results .qa-result');
    await until(() => result.count()).toBe(1);
    expect(await result.getAttribute('data-verdict')).toBe('flagged');
    expect(await result.locator('.qa-badge').textContent()).toBe('flagged · lucky-guess');
    expect(await result.locator('.qa-agent').textContent()).toBe('false-positive');
    expect(await result.locator('.qa-confidence').textContent()).toBe('confidence 90%');
    expect(await result.locator('.qa-explanation').textContent()).toBe(FLAGGED_EXPLANATION);
    const step = result.locator('.qa-evidence a');
    expect(await step.getAttribute('href')).toBe('#step-3');
    expect(await result.locator('.qa-evidence').textContent()).toBe('step 3 — the bare answer');
    await until(() => page.locator('#step-3').count()).toBe(1);
    await shot(page, 'qa-trace');
    // from another tab, an evidence link shows the steps and goes to the cited one
    await page.locator('button[data-tab="files"]').click();
    await until(() => page.locator('#step-3').count()).toBe(0);
    await step.click();
    await until(() => page.locator('#step-3').count()).toBe(1);
    expect(await page.locator('button[data-tab="steps"]').getAttribute('aria-selected')).toBe(
      'true',
    );
    expect(new URL(page.url()).hash).toBe('#step-3');
    await page.close();
  });

  it('shows no QA section or column where there are no verdicts (an older server answers 404)', async () => {
    const page = await browser.newPage();
    // an older server: the QA routes answer 404
    await page.route('**/v2/**/qa', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"detail":"Not Found"}',
      }),
    );
    await page.goto(`${origin}/jobs/${jobId}`);
    await until(() => page.locator('.matrix-row').count()).toBe(3);
    await until(() => page.locator('p.loading').count()).toBe(0);
    expect(await page.locator('.qa, .qa-badge, .error').count()).toBe(0);
    await page.goto(`${origin}/traces/${flaggedTrace}`);
    await until(() => page.locator('.grade').count()).toBe(1);
    await until(() => page.locator('li.step').count()).toBeGreaterThan(0);
    expect(await page.locator('.qa-results, .error').count()).toBe(0);
    await page.close();
  });
});
