import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeScratch, report } from './support/eval-harness.js';
import {
  AFTER,
  BEFORE,
  LARGE,
  SMALL,
  startViewer,
  timeJobPage,
  type Viewer,
} from './support/viewer-fixtures.js';
import { CHROMIUM, haveChromium, SHOTS, shot, writeJob } from './support/viewer-store.js';

// The viewer's job pages in Debian's Chromium over `hud view`, on hand-written stores: the jobs list's
// figures and filters, two jobs compared, a baseline's changed tasks, CSV export, group links, the taskset
// leaderboard, and 100 vs 10,000 runs.

/** Polls until the page shows what is expected (pages load their data after the first paint). */
const until = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

if (!haveChromium) {
  process.stderr.write(`[viewer e2e] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
}

describe.skipIf(!haveChromium)('the viewer job pages over hud view', () => {
  let viewer: Viewer;
  let origin: string;
  let beforeTraces: string[];
  const browser = () => viewer.browser;

  beforeAll(async () => {
    viewer = await startViewer('viewer-pages', (store) => {
      beforeTraces = writeJob(store, BEFORE);
      for (const spec of [AFTER, SMALL, LARGE]) writeJob(store, spec);
    });
    origin = viewer.origin;
    report(`screenshots in ${SHOTS}`);
  }, 120_000);

  afterAll(async () => {
    await viewer?.browser.close();
    viewer?.view.kill();
    removeScratch();
  });

  it('lists jobs with pass@k, success rate and errors apart from 0 rewards, filtered by taskset', async () => {
    const page = await browser().newPage();
    await page.goto(`${origin}/jobs?taskset=compare-set`);
    const row = page.locator(`tr[data-job="${AFTER.id}"]`);
    await until(() => row.count()).toBe(1);
    await until(() => page.locator('tr[data-job]').count()).toBe(2);
    expect(await row.locator('td.reward').textContent()).toBe('0.8');
    expect(await row.locator('td.errors').textContent()).toBe('1');
    expect(await row.locator('td.success').textContent()).toBe('80%');
    expect(await row.locator('td.pass-at-k').textContent()).toBe('66.7%');
    expect(await row.locator('td.runs').textContent()).toBe('6/6');
    expect(await page.locator('select[name="taskset"]').inputValue()).toBe('compare-set');
    await shot(page, 'jobs-taskset');
    await page.close();
  });

  it('compares two jobs: the changed tasks first, improvements and regressions marked', async () => {
    const page = await browser().newPage();
    await page.goto(`${origin}/jobs/${AFTER.id}?compare=${BEFORE.id}`);
    const rows = page.locator('.compare-row');
    await until(() => rows.count()).toBe(3);
    await until(() => page.locator('p.loading').count()).toBe(0);
    expect(await rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-task')))).toEqual([
      'b',
      'c',
      'a',
    ]);
    expect(await rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-change')))).toEqual([
      'improved',
      'regressed',
      'same',
    ]);
    expect(await rows.first().locator('.delta').textContent()).toBe('+1');
    expect(await page.locator('.compare-summary').textContent()).toContain('1 improved');
    await shot(page, 'job-compare');
    await page.close();
  });

  it('shows only the tasks changed against a baseline, with spread, and exports them as CSV and JSON', async () => {
    const page = await browser().newPage();
    await page.goto(`${origin}/jobs/${BEFORE.id}?baseline=${AFTER.id}&filter=changed`);
    const rows = page.locator('.matrix-row');
    await until(() =>
      rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-task'))),
    ).toEqual(['b', 'c']);
    expect(await page.locator('.matrix-row[data-task="c"] .spread').textContent()).toBe('±0.5');
    expect(await page.locator('h2 .count').textContent()).toBe('(2 of 3 tasks)');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('button.export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`job-${BEFORE.id}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')).toEqual([
      'task,runs,passed,failed,errored,mean,std,attempt_1,attempt_2',
      'b,2,0,2,0,0,0,0,0',
      'c,2,1,1,0,0.5,0.5,1,0',
      '',
    ]);
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('button.export-json').click(),
    ]);
    const exported = JSON.parse(readFileSync(await json.path(), 'utf8')) as {
      job_id: string;
      tasks: { slug: string; std: number; attempts: { reward: number }[] }[];
    };
    expect(exported.job_id).toBe(BEFORE.id);
    expect(exported.tasks.map((task) => [task.slug, task.std, task.attempts.length])).toEqual([
      ['b', 0, 2],
      ['c', 0.5, 2],
    ]);
    await shot(page, 'job-baseline-changed');
    // the state is in the URL: a reload shows the same rows
    await page.reload();
    await until(() => rows.count()).toBe(2);
    await page.close();
  });

  it('links a run to the other runs of its group, with their rewards', async () => {
    const page = await browser().newPage();
    // BEFORE's runs 4 and 5 are task c's two attempts (rewards 1 and 0)
    await page.goto(`${origin}/traces/${beforeTraces[4]}`);
    const links = page.locator('.group-runs a.cell');
    await until(() => links.count()).toBe(2);
    expect(await links.evaluateAll((all) => all.map((a) => a.getAttribute('href')))).toEqual([
      `/traces/${beforeTraces[4]}`,
      `/traces/${beforeTraces[5]}`,
    ]);
    expect(await page.locator('.group-runs a.current').textContent()).toBe('#1');
    await links.nth(1).click();
    await page.waitForURL(`${origin}/traces/${beforeTraces[5]}`);
    await until(() => page.locator('dd.reward').textContent()).toBe('0');
    await page.close();
  });

  it('ranks the agents/models of a taskset on its leaderboard, linked from the job page', async () => {
    const page = await browser().newPage();
    const rows = page.locator('table.leaderboard tbody tr');
    const check = async () => {
      await until(() => rows.count()).toBe(2);
      expect(await rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-model')))).toEqual(
        ['model-b', 'model-a'],
      );
      expect(await rows.first().locator('td.reward').textContent()).toBe('0.8');
      expect(await rows.first().locator('td.num').nth(4).textContent()).toBe('6');
    };
    await page.goto(`${origin}/jobs/${BEFORE.id}`);
    await page.locator('a', { hasText: 'compare-set (leaderboard)' }).click();
    await page.waitForURL(`${origin}/tasksets/compare-set`);
    await check();
    await shot(page, 'leaderboard');
    await page.close();
  });

  it('loads and scrolls a 10,000-run job page (load time printed next to 100 runs)', async () => {
    const page = await browser().newPage();
    const [smallFirst, smallAll] = await timeJobPage(page, origin, SMALL);
    const [largeFirst, largeAll] = await timeJobPage(page, origin, LARGE);
    report(
      `job page load: ${SMALL.runs.length} runs first rows ${smallFirst} ms, all ${smallAll} ms; ` +
        `${LARGE.runs.length} runs first rows ${largeFirst} ms, all ${largeAll} ms`,
    );
    // the same pages read outside the browser: how much of the load is the server's
    const apiStart = performance.now();
    for (let offset = 0; ; offset += 500) {
      const reply = await fetch(`${origin}/v2/jobs/${LARGE.id}/traces?limit=500&offset=${offset}`);
      if (((await reply.json()) as { items: unknown[] }).items.length < 500) break;
    }
    report(
      `  of which GET /v2/jobs/{id}/traces × 20 pages: ${Math.round(performance.now() - apiStart)} ms`,
    );
    expect(await page.locator('.matrix-row').count()).toBeLessThan(100);
    await page.locator('.windowed').evaluate((box) => {
      const element = box as unknown as { scrollTop: number; scrollHeight: number };
      element.scrollTop = element.scrollHeight;
    });
    await until(() => page.locator('.matrix-row[data-task="task-09999"]').count()).toBe(1);
    await page.locator('select[name="filter"]').selectOption('passed');
    await until(() => page.locator('h2 .count').textContent()).toBe('(5000 of 10000 tasks)');
    expect(new URL(page.url()).searchParams.get('filter')).toBe('passed');
    await shot(page, 'job-10000');
    await page.close();
  });
});
