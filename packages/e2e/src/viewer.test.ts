import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobMeta, RunRecord } from '@hud/eval';
import type { TraceStep } from '@hud/protocol';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HudProcess,
  jobIdOf,
  LETTER_COUNT,
  removeScratch,
  report,
  scratchDir,
  spawnHud,
  WORD_STATS,
} from './support/eval-harness.js';
import {
  type GatewayProcess,
  hud,
  newAdminKey,
  removeTemp,
  startGateway,
  tempDir,
} from './support/gateway-cli.js';
import { runHud } from './support/run-hud.js';
import { SHOTS } from './support/viewer-store.js';

// The trace viewer in a real browser: Debian's Chromium driven by playwright-core (no browser download),
// over `hud view <store>` serving jobs that `hud eval` recorded.

const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** A 2×2 PNG (base64): what a screenshot step carries. */
const PNG_2X2 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';

/** Polls until the page shows what is expected (pages load their data after the first paint). */
const until = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

/** Tasks of the large job. */
const LARGE = 10_000;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  process.stderr.write(`[viewer e2e] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
}

/** Saves a full-page screenshot as a test artifact. */
function shot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Writes a recorded job by hand: one run whose tool step returns an image and a long output. */
function writeScreenshotJob(store: string): { jobId: string; traceId: string } {
  const jobId = 'f'.repeat(32);
  const traceId = 'e'.repeat(32);
  const at = '2026-01-02T03:04:05.000000Z';
  const meta: JobMeta = {
    id: jobId,
    name: 'screenshots (1 task)',
    group: 1,
    created_at: at,
    updated_at: at,
    status: 'completed',
    source: null,
    agent: { name: 'scripted', model: 'fake-model' },
    taskset: { name: 'screenshots', count: 1, taskset_id: null, file: 'tasks.jsonl' },
    totals: null,
  };
  const task: RunRecord['task'] = { env: 'screen', id: 'look', args: {}, slug: 'look-0001' };
  const run: RunRecord = {
    trace_id: traceId,
    job_id: jobId,
    group_id: 'g1',
    group_index: 0,
    slug: 'look-0001',
    task,
    prompt: 'Look at the screen.',
    bindings: [],
    answer: 'red',
    grade: {
      score: 0.5,
      subscores: [
        { name: 'colour', value: 1, weight: 0.5 },
        { name: 'shape', value: 0, weight: 0.5 },
      ],
      content: 'half right',
    } as RunRecord['grade'],
    reward: 0.5,
    isError: false,
    status: 'completed',
    stop_reason: 'done',
    error: null,
    timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
    usage: {
      prompt_tokens: 1200,
      completion_tokens: 34,
      cached_tokens: 0,
      cost_usd: 0.0042,
      llm_call_count: 1,
    },
    started_at: at,
    ended_at: '2026-01-02T03:04:09.000000Z',
  };
  const long = Array.from({ length: 200 }, (_, i) => `log line ${i + 1}`).join('\n');
  const steps: TraceStep[] = [
    {
      step_id: 1,
      source: 'user',
      messages: [{ role: 'user', content: { type: 'text', text: 'Look at the screen.' } }],
    },
    {
      step_id: 2,
      source: 'agent',
      content: 'I will take a screenshot.',
      reasoning: 'A screenshot shows the colour.',
      tool_calls: [{ id: 'c1', name: 'computer', arguments: { action: 'screenshot' } }],
      usage: { prompt_tokens: 1200, completion_tokens: 34, cost_usd: 0.0042 },
    },
    {
      step_id: 3,
      source: 'tool',
      call: { id: 'c1', name: 'computer', arguments: { action: 'screenshot' } },
      result: {
        content: [
          { type: 'image', data: PNG_2X2, mimeType: 'image/png' },
          { type: 'text', text: long },
        ],
        isError: false,
      },
    },
    { step_id: 4, source: 'agent', content: 'red', done: true },
  ];
  const dir = path.join(store, jobId);
  mkdirSync(path.join(dir, 'traces'), { recursive: true });
  writeFileSync(path.join(dir, 'job.json'), JSON.stringify(meta));
  writeFileSync(path.join(dir, 'tasks.jsonl'), `${JSON.stringify(task)}\n`);
  writeFileSync(path.join(dir, 'runs.jsonl'), `${JSON.stringify(run)}\n`);
  writeFileSync(
    path.join(dir, 'traces', `${traceId}.jsonl`),
    steps.map((step) => `${JSON.stringify(step)}\n`).join(''),
  );
  return { jobId, traceId };
}

/** Writes a finished job of `count` tasks with one run each (no trace files): a large matrix. */
function writeLargeJob(store: string, count: number): string {
  const jobId = 'a'.repeat(32);
  const at = '2026-01-01T00:00:00.000000Z';
  const meta: JobMeta = {
    id: jobId,
    name: `large (${count} tasks)`,
    group: 1,
    created_at: at,
    updated_at: at,
    status: 'completed',
    source: null,
    agent: { name: 'oracle', model: null },
    taskset: { name: 'large', count, taskset_id: null, file: 'tasks.jsonl' },
    totals: null,
  };
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const slug = `task-${String(index).padStart(5, '0')}`;
    const run: RunRecord = {
      trace_id: index.toString(16).padStart(32, '0'),
      job_id: jobId,
      group_id: `g${index}`,
      group_index: 0,
      slug,
      task: { env: 'large', id: 't', args: { index }, slug },
      prompt: null,
      bindings: [],
      answer: null,
      grade: { score: index % 2 },
      reward: index % 2,
      isError: false,
      status: 'completed',
      stop_reason: 'done',
      error: null,
      timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
      usage: {
        prompt_tokens: 0,
        completion_tokens: 0,
        cached_tokens: 0,
        cost_usd: null,
        llm_call_count: 0,
      },
      started_at: at,
      ended_at: at,
    };
    lines.push(`${JSON.stringify(run)}\n`);
  }
  mkdirSync(path.join(store, jobId), { recursive: true });
  writeFileSync(path.join(store, jobId, 'job.json'), JSON.stringify(meta));
  writeFileSync(path.join(store, jobId, 'runs.jsonl'), lines.join(''));
  return jobId;
}

/** Waits until `hud view` printed its URL on stdout; returns the origin. */
async function viewOrigin(hud: HudProcess): Promise<string> {
  for (;;) {
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/jobs/.exec(hud.stdout());
    if (match) return `http://127.0.0.1:${match[1]}`;
    const exited = await hud.exitWithin(100);
    if (exited !== 'deadline') {
      throw new Error(`hud view exited (${exited.code}) before printing its URL:\n${hud.stderr()}`);
    }
  }
}

describe.skipIf(!haveChromium)('hud view in Chromium', () => {
  let store: string;
  let letterJob: string;
  let screenshots: { jobId: string; traceId: string };
  let largeJob: string;
  let view: HudProcess;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    store = path.join(scratchDir('viewer'), 'jobs');
    const [letters, words] = await Promise.all([
      runHud(['eval', LETTER_COUNT, 'oracle', '--all', '--store', store], { timeoutMs: 120_000 }),
      runHud(['eval', WORD_STATS, 'oracle', '--all', '--store', store], { timeoutMs: 120_000 }),
    ]);
    expect(letters.code, letters.stderr).toBe(0);
    expect(words.code, words.stderr).toBe(0);
    letterJob = jobIdOf(letters.stdout);
    screenshots = writeScreenshotJob(store);
    largeJob = writeLargeJob(store, LARGE);
    view = spawnHud(['view', store, '--port', '0']);
    origin = await viewOrigin(view);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    mkdirSync(SHOTS, { recursive: true });
    report(`screenshots in ${SHOTS}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    view?.kill();
    removeScratch();
  });

  it('jobs → job → cell → trace: steps and grade, and the trace URL survives a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/jobs`);
    const row = page.locator(`tr[data-job="${letterJob}"]`);
    await until(() => row.count()).toBe(1);
    expect(await row.locator('td.reward').textContent()).toBe('1');
    expect(await row.locator('td').nth(4).textContent()).toBe('3/3');
    expect(await page.locator('tr[data-job]').count()).toBe(4);
    await shot(page, 'jobs');

    await row.locator('a.job-link').click();
    await page.waitForURL(`${origin}/jobs/${letterJob}`);
    const cells = page.locator('a.cell[data-trace]');
    await until(() => cells.count()).toBe(3);
    expect(await page.locator('.matrix-row').count()).toBe(3);
    expect(await cells.first().textContent()).toBe('1');
    await shot(page, 'job');

    const traceId = await cells.first().getAttribute('data-trace');
    await cells.first().click();
    await page.waitForURL(`${origin}/traces/${traceId}`);
    const checkTrace = async () => {
      await until(() => page.locator('li.step').count()).toBeGreaterThan(0);
      const sources = await page.locator('li.step .source').allTextContents();
      expect(sources).toContain('user');
      expect(sources).toContain('task');
      expect(await page.locator('.grade .reward').textContent()).toBe('1');
      expect(await page.locator('li.source-user').first().textContent()).toContain('How many');
    };
    await checkTrace();
    await shot(page, 'trace');
    await page.reload();
    await checkTrace();
    await page.close();
  });

  it('keeps the job search in the URL, across a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/jobs`);
    await until(() => page.locator('tr[data-job]').count()).toBe(4);
    await page.locator('input[name="q"]').fill('word');
    await until(() => page.locator('tr[data-job]').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('word');
    await page.reload();
    expect(await page.locator('input[name="q"]').inputValue()).toBe('word');
    await until(() => page.locator('tr[data-job]').count()).toBe(1);
    expect(await page.locator('tr[data-job] td').first().textContent()).toMatch(/^word-stats/);
    await shot(page, 'jobs-filtered');
    await page.close();
  });

  it('shows a tool step image inline, folds a long output, and the subscores', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/traces/${screenshots.traceId}`);
    const image = page.locator('li.source-tool img.inline-image');
    await until(() => image.count()).toBe(1);
    await until(() =>
      image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(2);
    const folded = page.locator('li.source-tool details.folded');
    expect(await folded.locator('summary').textContent()).toContain('200 lines');
    expect(await folded.evaluate((details) => (details as unknown as { open: boolean }).open)).toBe(
      false,
    );
    expect(await page.locator('.subscores tr').allTextContents()).toEqual([
      'colour1× 0.5',
      'shape0× 0.5',
    ]);
    expect(await page.locator('li.source-agent .tool-name').first().textContent()).toBe(
      '→ computer',
    );
    await shot(page, 'trace-image');
    await page.close();
  });

  it('answers an unknown trace with the server message, not a blank page', async () => {
    const page = await browser.newPage();
    const unknown = '9'.repeat(32);
    await page.goto(`${origin}/traces/${unknown}`);
    await until(() => page.locator('[role="alert"]').count()).toBe(1);
    expect(await page.locator('[role="alert"]').textContent()).toBe(
      `no trace ${unknown} (HTTP 404)`,
    );
    await page.close();
  });

  it('draws only the visible rows of a 10,000-task job and scrolls to the last', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/jobs/${largeJob}`);
    await until(() => page.locator('h2 .count').textContent()).toBe(`(${LARGE} tasks)`);
    const drawn = await page.locator('.matrix-row').count();
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(100);
    await page.locator('.windowed').evaluate((box) => {
      (box as unknown as { scrollTop: number; scrollHeight: number }).scrollTop = (
        box as unknown as { scrollHeight: number }
      ).scrollHeight;
    });
    const last = `task-${String(LARGE - 1).padStart(5, '0')}`;
    await until(() => page.locator(`.matrix-row[data-task="${last}"]`).count()).toBe(1);
    expect(await page.locator('.matrix-row').count()).toBeLessThan(100);
    await shot(page, 'job-large');
    await page.close();
  });

  it('pages /v2/jobs with limit and cursor, and refuses a bad query, like the gateway', async () => {
    type JobPage = { items: { id: string }[]; next_cursor: string | null };
    const get = async <T>(route: string) => {
      const response = await fetch(`${origin}${route}`);
      return { status: response.status, body: (await response.json()) as T };
    };
    const first = (await get<JobPage>('/v2/jobs?limit=3')).body;
    expect(first.items).toHaveLength(3);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await get<JobPage>(`/v2/jobs?limit=3&cursor=${first.next_cursor}`)).body;
    expect(second.items).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    const ids = [...first.items, ...second.items].map((job) => job.id);
    expect(new Set(ids).size).toBe(4);
    const bad = await get<{ error: { message: string } }>('/v2/jobs?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('limit');
    const traces = await get<{ items: { task_slug: string }[] }>(
      `/v2/jobs/${largeJob}/traces?limit=500&offset=9990`,
    );
    expect(traces.body.items).toHaveLength(10);
    expect(traces.body.items[9]?.task_slug).toBe('task-09999');
  });
});

describe.skipIf(!haveChromium)('the viewer on the gateway', () => {
  const adminKey = newAdminKey();
  let gateway: GatewayProcess;
  let jobId: string;
  let browser: Browser;

  beforeAll(async () => {
    gateway = await startGateway(adminKey);
    const home = tempDir('viewer-home');
    const run = await hud(['eval', LETTER_COUNT, 'oracle', '--all', '--store', `${home}/jobs`], {
      home,
      vars: { HUD_API_URL: gateway.url, HUD_API_KEY: adminKey },
      timeoutMs: 120_000,
    });
    expect(run.code, run.stderr).toBe(0);
    jobId = jobIdOf(run.stdout);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    removeTemp();
  });

  it('asks for a key once, keeps it, and shows the uploaded job, its matrix and a trace', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gateway.url}/jobs`);
    const keyInput = page.locator('form.key-form input[name="key"]');
    await until(() => keyInput.count()).toBe(1);
    await keyInput.fill(adminKey);
    await page.locator('form.key-form button').click();
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await until(() => row.count()).toBe(1);
    expect(await row.locator('td.reward').textContent()).toBe('1');
    await row.locator('a.job-link').click();
    await page.waitForURL(`${gateway.url}/jobs/${jobId}`);
    const cells = page.locator('a.cell[data-trace]');
    await until(() => cells.count()).toBe(3);
    await cells.first().click();
    await until(() => page.locator('li.step').count()).toBeGreaterThan(0);
    expect(await page.locator('li.step .source').allTextContents()).toContain('user');
    expect(await page.locator('.grade .reward').textContent()).toBe('1');
    await shot(page, 'gateway-trace');
    // A new tab of the same browser context keeps the key: no form.
    const again = await context.newPage();
    await again.goto(page.url());
    await until(() => again.locator('li.step').count()).toBeGreaterThan(0);
    expect(await again.locator('form.key-form').count()).toBe(0);
    await context.close();
  });
});
