import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeScratch, report } from './support/eval-harness.js';
import {
  LIVE,
  LIVE_TRACE,
  RUNNING_TRACE,
  redScreenshot,
  SCREEN,
  STEPS_LONG,
  startViewer,
  type Viewer,
  writeTraceJob,
} from './support/viewer-fixtures.js';
import {
  appendRuns,
  appendTraceLines,
  CHROMIUM,
  haveChromium,
  rewriteMeta,
  shot,
  writeJob,
  writeTraceFiles,
} from './support/viewer-store.js';

// The viewer's live updates and trace page in Debian's Chromium over `hud view`: a running job and a
// running trace update without a reload; a trace's tool call with a real screenshot inline, its file
// diffs, LOGS and DEBUG tabs; a 2,000-step trace.

/** Polls until the page shows what is expected (pages load their data after the first paint). */
const until = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

if (!haveChromium) {
  process.stderr.write(`[viewer e2e] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
}

describe.skipIf(!haveChromium)('the viewer trace page and live updates over hud view', () => {
  let viewer: Viewer;
  let origin: string;
  let store: string;
  const browser = () => viewer.browser;

  beforeAll(async () => {
    viewer = await startViewer('viewer-trace', async (dir, chromium) => {
      for (const spec of [LIVE, LIVE_TRACE]) writeJob(dir, spec);
      writeTraceFiles(dir, LIVE_TRACE.id, RUNNING_TRACE, {
        steps: [
          {
            step_id: 1,
            source: 'user',
            messages: [{ role: 'user', content: { type: 'text', text: 'Count to two.' } }],
          },
        ],
      });
      // the tool step's image is a real browser screenshot, as the browser example's tools return it
      writeTraceJob(dir, await redScreenshot(chromium));
    });
    origin = viewer.origin;
    store = viewer.store;
  }, 120_000);

  afterAll(async () => {
    await viewer?.browser.close();
    viewer?.view.kill();
    removeScratch();
  });

  it('updates a running job without a reload: job page by its stream, jobs page by polling', async () => {
    const jobPage = await browser().newPage();
    const listPage = await browser().newPage();
    // a third page whose server "has no stream" (404, as an older server): it falls back to re-reading
    const fallbackPage = await browser().newPage();
    await fallbackPage.route('**/v2/jobs/*/stream', (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"detail":"no"}' }),
    );
    await jobPage.goto(`${origin}/jobs/${LIVE.id}`);
    await listPage.goto(`${origin}/jobs`);
    await fallbackPage.goto(`${origin}/jobs/${LIVE.id}`);
    const cells = jobPage.locator('a.cell[data-trace]');
    const fallbackCells = fallbackPage.locator('a.cell[data-trace]');
    await until(() => cells.count()).toBe(1);
    await until(() => fallbackCells.count()).toBe(1);
    await until(() => jobPage.locator('.badge.live').count()).toBe(1);
    const status = listPage.locator(`tr[data-job="${LIVE.id}"] td.status`);
    await until(() => status.textContent()).toBe('running');
    await shot(jobPage, 'job-live-before');
    appendRuns(store, LIVE.id, [{ slug: 'two', reward: 0 }], 1);
    await until(() => cells.count()).toBe(2);
    appendRuns(store, LIVE.id, [{ slug: 'three', reward: 1 }], 2);
    rewriteMeta(store, {
      ...LIVE,
      status: 'completed',
      runs: [...LIVE.runs, { slug: 'two', reward: 0 }, { slug: 'three', reward: 1 }],
    });
    await until(() => cells.count()).toBe(3);
    await until(() => jobPage.locator('dd.status').textContent()).toBe('completed');
    await until(() => fallbackCells.count()).toBe(3);
    await until(() => fallbackPage.locator('dd.status').textContent()).toBe('completed');
    expect(await fallbackPage.locator('.badge.live').count()).toBe(0);
    await until(() => status.textContent()).toBe('completed');
    expect(await listPage.locator(`tr[data-job="${LIVE.id}"] td.runs`).textContent()).toBe('3/3');
    await shot(jobPage, 'job-live-after');
    await jobPage.close();
    await listPage.close();
    await fallbackPage.close();
  });

  it('updates a running trace without a reload: new steps and log lines, then its verdict', async () => {
    const page = await browser().newPage();
    await page.goto(`${origin}/jobs/${LIVE_TRACE.id}`);
    const cell = page.locator(`a.cell[data-trace="${RUNNING_TRACE}"]`);
    await until(() => cell.getAttribute('data-status')).toBe('running');
    await cell.click();
    await page.waitForURL(`${origin}/traces/${RUNNING_TRACE}`);
    await until(() => page.locator('li.step').count()).toBe(1);
    expect(await page.locator('dd.status').textContent()).toBe('running');
    appendTraceLines(store, LIVE_TRACE.id, RUNNING_TRACE, 'steps', [
      { step_id: 2, source: 'agent', content: 'one, two' },
    ]);
    appendTraceLines(store, LIVE_TRACE.id, RUNNING_TRACE, 'logs', [
      {
        time: '2026-01-01T00:00:01.000Z',
        source: 'environment',
        stream: 'stdout',
        line: 'counted',
      },
    ]);
    await until(() => page.locator('li.step').count()).toBe(2);
    await shot(page, 'trace-live');
    appendRuns(store, LIVE_TRACE.id, [{ slug: 'count', reward: 1, traceId: RUNNING_TRACE }], 0);
    rewriteMeta(store, { ...LIVE_TRACE, status: 'completed' });
    await until(() => page.locator('dd.status').textContent()).toBe('completed');
    expect(await page.locator('dd.reward').textContent()).toBe('1');
    await page.locator('button[data-tab="logs"]').click();
    await until(() => page.locator('.log-line .log-text').allTextContents()).toEqual(['counted']);
    await page.close();
  });

  it('shows a tool call with its inline screenshot, the file diffs, LOGS and DEBUG tabs', async () => {
    const page = await browser().newPage();
    const look = '4'.repeat(32);
    await page.goto(`${origin}/traces/${look}`);
    await until(() => page.locator('li.step').count()).toBe(4);
    expect(await page.locator('li.source-agent .tool-name').first().textContent()).toBe(
      '→ computer',
    );
    await until(() =>
      page
        .locator('li.source-tool img.inline-image')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(SCREEN.width);
    expect(await page.locator('li.source-agent .tokens').first().textContent()).toBe(
      '1,500 in / 40 out',
    );
    expect(await page.locator('details.reasoning').first().getAttribute('open')).toBeNull();
    expect(await page.locator('details.task').textContent()).toContain('Look at the screen.');
    await shot(page, 'trace-steps');

    await page.locator('button[data-tab="files"]').click();
    const patch = page.locator('.file-patch[data-path="src/greet.ts"]');
    await until(() => patch.count()).toBe(1);
    expect(await patch.locator('.diff-add').textContent()).toBe('+hello, world');
    expect(await patch.locator('.diff-del').textContent()).toBe('-hello');
    await shot(page, 'trace-files');

    await page.locator('button[data-tab="logs"]').click();
    const lines = page.locator('.log-line');
    await until(() => lines.count()).toBe(2);
    expect(await page.locator('.log-line.stream-stderr .log-text').textContent()).toBe(
      'warn: slow',
    );
    expect(new URL(page.url()).searchParams.get('tab')).toBe('logs');
    await shot(page, 'trace-logs');

    await page.locator('button[data-tab="debug"]').click();
    const events = page.locator('table.events tbody tr');
    await until(() => events.count()).toBe(3);
    expect(await events.evaluateAll((all) => all.map((r) => r.getAttribute('data-phase')))).toEqual(
      ['acquire', 'setup', 'teardown'],
    );
    await shot(page, 'trace-debug');
    await page.reload();
    await until(() => page.locator('table.events tbody tr').count()).toBe(3);
    await page.close();
  });

  it('opens a 2,000-step trace a batch at a time and reaches the last step by scrolling', async () => {
    const page = await browser().newPage();
    const start = performance.now();
    await page.goto(`${origin}/traces/${'5'.repeat(32)}`);
    await page.locator('li.step').first().waitFor();
    const firstMs = Math.round(performance.now() - start);
    expect(await page.locator('li.step').count()).toBe(100);
    await until(async () => {
      await page.locator('li.step').last().scrollIntoViewIfNeeded();
      return page.locator('li.step').count();
    }).toBe(STEPS_LONG);
    expect(await page.locator(`li.step[data-step="${STEPS_LONG}"]`).count()).toBe(1);
    report(`trace of ${STEPS_LONG} steps: first steps drawn after ${firstMs} ms`);
    await shot(page, 'trace-2000-steps', false);
    await page.close();
  });
});
