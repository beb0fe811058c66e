import path from 'node:path';
import type { TraceStep } from '@hud/protocol';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type HudProcess, report, scratchDir, spawnHud } from './eval-harness.js';
import {
  CHROMIUM,
  type JobSpec,
  LAUNCH_ARGS,
  type RunSpec,
  viewOrigin,
  writeJob,
  writeTraceFiles,
} from './viewer-store.js';

// The jobs the viewer's page tests show (viewer-pages.test.ts, viewer-trace.test.ts): a compare pair on one
// taskset, running jobs, 100 and 10,000 runs, a trace with a screenshot, file diffs, logs and events, and
// a 2,000-step trace.

/** Size of the screenshot the trace's tool step returns (a real Chromium screenshot, see beforeAll). */
export const SCREEN = { width: 320, height: 180 };

export const attempts = (slug: string, ...rewards: (number | 'error')[]): RunSpec[] =>
  rewards.map((reward, attempt) =>
    reward === 'error'
      ? { slug, attempt, reward: null, error: '[provisioning] the runtime went away' }
      : { slug, attempt, reward },
  );

export const BEFORE: JobSpec = {
  id: 'b'.repeat(32),
  name: 'before',
  taskset: 'compare-set',
  agent: 'scripted',
  model: 'model-a',
  group: 2,
  runs: [...attempts('a', 1, 1), ...attempts('b', 0, 0), ...attempts('c', 1, 0)],
};
export const AFTER: JobSpec = {
  id: 'c'.repeat(32),
  name: 'after',
  taskset: 'compare-set',
  agent: 'scripted',
  model: 'model-b',
  group: 2,
  runs: [...attempts('a', 1, 1), ...attempts('b', 1, 1), ...attempts('c', 0, 'error')],
};
export const LIVE: JobSpec = {
  id: '3'.repeat(32),
  name: 'live',
  taskset: 'live-set',
  status: 'running',
  taskCount: 3,
  runs: [{ slug: 'one', reward: 1 }],
};

export const RUNNING_TRACE = '7'.repeat(32);
export const LIVE_TRACE: JobSpec = {
  id: '6'.repeat(32),
  name: 'live trace',
  taskset: 'live-set',
  status: 'running',
  taskCount: 1,
  runs: [],
};

/** A job of `count` tasks, one run each, alternately passed and failed. */
export function sized(id: string, count: number): JobSpec {
  return {
    id,
    name: `sized (${count} tasks)`,
    taskset: 'sized',
    runs: Array.from({ length: count }, (_, index) => ({
      slug: `task-${String(index).padStart(5, '0')}`,
      reward: index % 2,
    })),
  };
}
export const SMALL = sized('1'.repeat(32), 100);
export const LARGE = sized('2'.repeat(32), 10_000);

export const TRACE_JOB: JobSpec = {
  id: 'd'.repeat(32),
  name: 'trace tabs',
  taskset: 'screen',
  model: 'fake-model',
  runs: [
    { slug: 'look', reward: 1, traceId: '4'.repeat(32) },
    { slug: 'long', reward: 0, traceId: '5'.repeat(32) },
  ],
};
export const STEPS_LONG = 2_000;

export const PATCH = '--- a/src/greet.ts\n+++ b/src/greet.ts\n@@ -1 +1 @@\n-hello\n+hello, world\n';

export function writeTraceJob(store: string, screenshot: string): void {
  writeJob(store, TRACE_JOB);
  const look = '4'.repeat(32);
  const steps: TraceStep[] = [
    {
      step_id: 1,
      source: 'user',
      messages: [{ role: 'user', content: { type: 'text', text: 'Look at the screen.' } }],
    },
    {
      step_id: 2,
      source: 'agent',
      content: 'Taking a screenshot.',
      reasoning: 'The screen shows the answer.',
      tool_calls: [{ id: 'c1', name: 'computer', arguments: { action: 'screenshot' } }],
      usage: { prompt_tokens: 1500, completion_tokens: 40, cost_usd: 0.003 },
    },
    {
      step_id: 3,
      source: 'tool',
      call: { id: 'c1', name: 'computer', arguments: { action: 'screenshot' } },
      result: {
        content: [{ type: 'image', data: screenshot, mimeType: 'image/png' }],
        isError: false,
      },
    },
    { step_id: 4, source: 'agent', content: 'red', done: true },
  ];
  const span = (name: string, at: string, payload: object) => ({
    name,
    trace_id: look,
    span_id: `${name.length}${at.slice(-6, -1)}`.padEnd(16, '0'),
    parent_span_id: null,
    kind: 'INTERNAL',
    start_time: at,
    end_time: at,
    status_code: 'OK',
    status_message: null,
    attributes: {
      'hud.schema': 'hud.filetracking.v1',
      'hud.task_run_id': look,
      'hud.payload': payload,
    },
    events: [],
  });
  writeTraceFiles(store, TRACE_JOB.id, look, {
    steps,
    spans: [
      span('filetracking.snapshot', '2026-01-01T00:00:01.000000Z', {
        files_scanned: 2,
        files_changed: 0,
        patches: [],
      }),
      span('filetracking.diff', '2026-01-01T00:00:02.000000Z', {
        files_scanned: 2,
        files_changed: 1,
        patches: [{ path: 'src/greet.ts', status: 'modified', patch: PATCH }],
      }),
    ],
    logs: [
      {
        time: '2026-01-01T00:00:01.000Z',
        source: 'environment',
        stream: 'stdout',
        line: 'server up',
      },
      {
        time: '2026-01-01T00:00:02.000Z',
        source: 'environment',
        stream: 'stderr',
        line: 'warn: slow',
      },
    ],
    events: [
      {
        time: '2026-01-01T00:00:00.100Z',
        source: 'runtime',
        phase: 'acquire',
        level: 'info',
        message: 'acquiring',
      },
      {
        time: '2026-01-01T00:00:00.500Z',
        source: 'runtime',
        phase: 'setup',
        level: 'info',
        message: 'ready',
      },
      {
        time: '2026-01-01T00:00:02.900Z',
        source: 'runtime',
        phase: 'teardown',
        level: 'warn',
        message: 'slow stop',
      },
    ],
  });
  writeTraceFiles(store, TRACE_JOB.id, '5'.repeat(32), {
    steps: Array.from({ length: STEPS_LONG }, (_, index) =>
      index % 2 === 0
        ? { step_id: index + 1, source: 'agent', content: `thinking ${index + 1}` }
        : { step_id: index + 1, source: 'tool', call: { name: 'shell', arguments: { cmd: 'ls' } } },
    ) as TraceStep[],
  });
}

/** Goes to a job page and waits until every run is read; returns [ms to the first rows, ms to all]. */
export async function timeJobPage(
  page: Page,
  origin: string,
  spec: JobSpec,
): Promise<[number, number]> {
  const start = performance.now();
  await page.goto(`${origin}/jobs/${spec.id}`);
  await page.locator('.matrix-row').first().waitFor({ timeout: 60_000 });
  const first = performance.now() - start;
  await page
    .locator('h2 .count', { hasText: `(${spec.runs.length} tasks)` })
    .waitFor({ timeout: 60_000 });
  await page.locator('p.loading').waitFor({ state: 'detached', timeout: 60_000 });
  const all = performance.now() - start;
  // the browser's own timing of the trace pages: how long the server took to answer them all
  const network = await page.evaluate(() => {
    const entries = (
      globalThis as unknown as {
        performance: { getEntriesByType(type: string): { name: string; responseEnd: number }[] };
      }
    ).performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.includes('/traces?'));
    return { pages: entries.length, lastResponse: Math.max(...entries.map((e) => e.responseEnd)) };
  });
  report(
    `  ${spec.runs.length} runs: ${network.pages} trace pages, last one received ` +
      `${Math.round(network.lastResponse)} ms after navigation start`,
  );
  return [Math.round(first), Math.round(all)];
}

/** A `hud view` over a fresh store and a Chromium to look at it. */
export interface Viewer {
  store: string;
  origin: string;
  browser: Browser;
  view: HudProcess;
}

/**
 * Writes a store with `write` (given the browser, e.g. to take a screenshot first), starts `hud view` on
 * it and returns both; stop them with `browser.close()` and `view.kill()`.
 */
export async function startViewer(
  label: string,
  write: (store: string, browser: Browser) => Promise<void> | void,
): Promise<Viewer> {
  const store = path.join(scratchDir(label), 'jobs');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  await write(store, browser);
  const view = spawnHud(['view', store, '--port', '0']);
  const origin = await viewOrigin(view);
  return { store, origin, browser, view };
}

/** A real Chromium screenshot (PNG, base64) of a red {@link SCREEN}-sized page saying RED. */
export async function redScreenshot(browser: Browser): Promise<string> {
  const screen = await browser.newPage({ viewport: SCREEN });
  await screen.setContent(
    '<body style="margin:0;background:#c62828;color:#fff;font:48px sans-serif">' +
      '<p style="margin:40px">RED</p></body>',
  );
  const png = await screen.screenshot({ type: 'png' });
  await screen.close();
  return png.toString('base64');
}
