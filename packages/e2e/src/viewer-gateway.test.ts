import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdOf, LETTER_COUNT, report } from './support/eval-harness.js';
import {
  type GatewayProcess,
  hud,
  newAdminKey,
  removeTemp,
  startGateway,
  tempDir,
} from './support/gateway-cli.js';
import {
  CHROMIUM,
  haveChromium,
  LAUNCH_ARGS,
  loggedInContext,
  shot,
} from './support/viewer-store.js';

// The viewer served by the gateway, over jobs `hud eval` uploaded (part 1's telemetry): the pages send
// the key as a Bearer header (never in a URL), the jobs page's new columns, a comparison of two uploaded
// jobs, the taskset leaderboard and a trace's LOGS and DEBUG tabs.

/** Polls until the page shows what is expected (pages load their data after the first paint). */
const until = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

if (!haveChromium) {
  process.stderr.write(`[viewer e2e] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
}

describe.skipIf(!haveChromium)('the viewer pages on the gateway', () => {
  const adminKey = newAdminKey();
  let gateway: GatewayProcess;
  let first: string;
  let second: string;
  let browser: Browser;
  let context: BrowserContext;
  /** Every URL the pages asked the gateway for (none may carry the key). */
  const requested: string[] = [];

  const evalUploaded = async (label: string) => {
    const home = tempDir(label);
    const run = await hud(['eval', LETTER_COUNT, 'oracle', '--all', '--store', `${home}/jobs`], {
      home,
      vars: { HUD_API_URL: gateway.url, HUD_API_KEY: adminKey },
      timeoutMs: 120_000,
    });
    expect(run.code, run.stderr).toBe(0);
    return jobIdOf(run.stdout);
  };

  beforeAll(async () => {
    gateway = await startGateway(adminKey);
    [first, second] = await Promise.all([evalUploaded('viewer-a'), evalUploaded('viewer-b')]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    // the key once, as a user types it into the page's form
    context = await loggedInContext(browser, gateway.url, adminKey, second, requested);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    removeTemp();
  });

  const open = async (url: string): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(`${gateway.url}${url}`);
    return page;
  };

  it('lists the uploaded jobs with agent, runs, reward and success rate', async () => {
    const page = await open('/jobs');
    const row = page.locator(`tr[data-job="${first}"]`);
    await until(() => row.count()).toBe(1);
    expect(await row.locator('td.reward').textContent()).toBe('1');
    expect(await row.locator('td.runs').textContent()).toBe('3/3');
    expect(await row.locator('td.success').textContent()).toBe('100%');
    expect(await row.locator('td.errors').textContent()).toBe('0');
    expect(await row.locator('td').nth(2).textContent()).toContain('oracle');
    await shot(page, 'gateway-jobs');
    await page.close();
  });

  it('compares the two uploaded jobs task by task', async () => {
    const page = await open(`/jobs/${first}?compare=${second}`);
    const rows = page.locator('.compare-row');
    await until(() => rows.count()).toBe(3);
    expect(await rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-change')))).toEqual([
      'same',
      'same',
      'same',
    ]);
    await shot(page, 'gateway-compare');
    await page.close();
  });

  it('links no leaderboard for a job without a gateway taskset; an unknown taskset says 404', async () => {
    // jobs uploaded from a local tasks file name no taskset the gateway knows (taskset_name null)
    const page = await open('/jobs');
    const row = page.locator(`tr[data-job="${first}"]`);
    await until(() => row.count()).toBe(1);
    expect(await row.locator('td').nth(1).textContent()).toBe('—');
    expect(await row.locator('td').nth(1).locator('a').count()).toBe(0);
    await page.goto(`${gateway.url}/tasksets/no-such-set`);
    await until(() => page.locator('[role="alert"]').count()).toBe(1);
    expect(await page.locator('[role="alert"]').textContent()).toMatch(/\(HTTP 404\)$/);
    await page.close();
  });

  it('shows an uploaded trace with its steps, LOGS and DEBUG tabs, and never puts the key in a URL', async () => {
    const page = await open(`/jobs/${first}`);
    const cells = page.locator('a.cell[data-trace]');
    await until(() => cells.count()).toBe(3);
    await cells.first().click();
    await until(() => page.locator('li.step').count()).toBeGreaterThan(0);
    // hud eval uploads the environment's output and the rollout's phase events with the trace
    await page.locator('button[data-tab="logs"]').click();
    await until(() => page.locator('.log-line').count()).toBeGreaterThan(0);
    await shot(page, 'gateway-trace-logs');
    await page.locator('button[data-tab="debug"]').click();
    const phases = () =>
      page
        .locator('table.events tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-phase')));
    await until(phases).toEqual(expect.arrayContaining(['acquire', 'agent', 'grade', 'end']));
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    await shot(page, 'gateway-trace-debug');
    report(`gateway pages asked for ${requested.length} URLs`);
    expect(requested.filter((url) => url.includes(adminKey))).toEqual([]);
    await page.close();
  });
});
