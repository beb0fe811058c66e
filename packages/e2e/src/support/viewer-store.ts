import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobMeta, RunRecord } from '@hud/eval';
import type { TraceStep } from '@hud/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { HudProcess } from './eval-harness.js';

// Hand-written local job stores for the viewer's browser tests (`hud view` reads them as `hud eval` writes
// them: job.json, runs.jsonl, traces/<id>.jsonl and the side files traces/<id>.{spans,logs,events}.jsonl),
// so a test can show 10,000 runs, a compare pair or a running job without running that many rollouts.

/** Debian's Chromium (never downloaded). */
export const CHROMIUM = '/usr/bin/chromium';
/** Flags that keep Chromium off the network and quiet in a container. */
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
/** Where page screenshots go: `$HUD_E2E_ARTIFACTS/viewer`, else packages/e2e/artifacts/viewer (gitignored). */
export const SHOTS = path.join(
  process.env.HUD_E2E_ARTIFACTS ?? fileURLToPath(new URL('../../artifacts/', import.meta.url)),
  'viewer',
);
/** Whether Chromium is installed (the browser tests skip with a message when not). */
export const haveChromium = existsSync(CHROMIUM);

/** Saves a screenshot as a test artifact `<name>.png` (the full page unless `fullPage` is false). */
export function shot(page: Page, name: string, fullPage = true): Promise<Buffer> {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

/**
 * A browser context logged in to the gateway's viewer as a user does it: the key typed once into the jobs
 * page's key form (the pages then send it as a Bearer header). Every URL the context requests is pushed
 * onto `requested` (a test checks none carries the key). Resolves once the row of job `shownJob` is on
 * the page.
 */
export async function loggedInContext(
  browser: Browser,
  gatewayUrl: string,
  key: string,
  shownJob: string,
  requested: string[],
): Promise<BrowserContext> {
  const context = await browser.newContext();
  context.on('request', (request) => requested.push(request.url()));
  const page = await context.newPage();
  await page.goto(`${gatewayUrl}/jobs`);
  const keyInput = page.locator('form.key-form input[name="key"]');
  await keyInput.waitFor({ timeout: 20_000 });
  await keyInput.fill(key);
  await page.locator('form.key-form button').click();
  await page.locator(`tr[data-job="${shownJob}"]`).waitFor({ timeout: 20_000 });
  await page.close();
  return context;
}

/** Waits until `hud view` printed its URL on stdout; returns the origin. */
export async function viewOrigin(hud: HudProcess): Promise<string> {
  for (;;) {
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/jobs/.exec(hud.stdout());
    if (match) return `http://127.0.0.1:${match[1]}`;
    const exited = await hud.exitWithin(100);
    if (exited !== 'deadline') {
      throw new Error(`hud view exited (${exited.code}) before printing its URL:\n${hud.stderr()}`);
    }
  }
}

/** One run of a hand-written job. */
export interface RunSpec {
  slug: string;
  /** 0-based attempt within the task's group. */
  attempt?: number;
  reward: number | null;
  status?: RunRecord['status'];
  error?: string | null;
  traceId?: string;
  usage?: Partial<RunRecord['usage']>;
}

/** A job to write. */
export interface JobSpec {
  id: string;
  name: string;
  taskset: string;
  agent?: string;
  model?: string | null;
  group?: number;
  status?: JobMeta['status'];
  /** Tasks asked for (default: the distinct slugs of `runs`). */
  taskCount?: number;
  runs: RunSpec[];
}

const AT = '2026-01-01T00:00:00.000000Z';
const LATER = '2026-01-01T00:00:03.000000Z';

/** The `runs.jsonl` line of `run` in job `jobId`. */
export function runRecord(jobId: string, run: RunSpec, index: number): RunRecord {
  const status = run.status ?? (run.error ? 'error' : 'completed');
  return {
    trace_id: run.traceId ?? `${jobId.slice(0, 16)}${index.toString(16).padStart(16, '0')}`,
    job_id: jobId,
    group_id: `${jobId.slice(0, 8)}-${run.slug}`,
    group_index: run.attempt ?? 0,
    slug: run.slug,
    task: { env: 'viewer', id: 't', args: { slug: run.slug }, slug: run.slug },
    prompt: `Solve ${run.slug}.`,
    bindings: [],
    answer: null,
    grade: run.reward === null ? null : { score: run.reward },
    reward: run.reward,
    isError: status === 'error',
    status,
    stop_reason: status === 'error' ? 'error' : 'done',
    error: run.error ?? null,
    timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
    usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: null,
      llm_call_count: 0,
      ...run.usage,
    },
    started_at: AT,
    ended_at: LATER,
  } as RunRecord;
}

/** The `job.json` of `spec`. */
export function jobMeta(spec: JobSpec): JobMeta {
  const slugs = new Set(spec.runs.map((run) => run.slug));
  return {
    id: spec.id,
    name: spec.name,
    group: spec.group ?? 1,
    created_at: AT,
    updated_at: LATER,
    status: spec.status ?? 'completed',
    source: null,
    agent: { name: spec.agent ?? 'scripted', model: spec.model ?? null },
    taskset: {
      name: spec.taskset,
      count: spec.taskCount ?? slugs.size,
      taskset_id: null,
      file: 'tasks.jsonl',
    },
    totals: null,
  };
}

/** Writes job `spec` into `store`; returns its trace ids in run order. */
export function writeJob(store: string, spec: JobSpec): string[] {
  const dir = path.join(store, spec.id);
  mkdirSync(path.join(dir, 'traces'), { recursive: true });
  writeFileSync(path.join(dir, 'job.json'), JSON.stringify(jobMeta(spec)));
  const records = spec.runs.map((run, index) => runRecord(spec.id, run, index));
  writeFileSync(
    path.join(dir, 'runs.jsonl'),
    records.map((r) => `${JSON.stringify(r)}\n`).join(''),
  );
  return records.map((record) => record.trace_id);
}

/** Appends runs to a written job (as a running `hud eval` does); returns their trace ids. */
export function appendRuns(store: string, jobId: string, runs: RunSpec[], from: number): string[] {
  const records = runs.map((run, index) => runRecord(jobId, run, from + index));
  appendFileSync(
    path.join(store, jobId, 'runs.jsonl'),
    records.map((r) => `${JSON.stringify(r)}\n`).join(''),
  );
  return records.map((record) => record.trace_id);
}

/** Rewrites a job's `job.json` (e.g. to mark it completed). */
export function rewriteMeta(store: string, spec: JobSpec): void {
  writeFileSync(path.join(store, spec.id, 'job.json'), JSON.stringify(jobMeta(spec)));
}

/** Writes a trace's steps and side files (`spans`, `logs`, `events`: one JSON object per line). */
export function writeTraceFiles(
  store: string,
  jobId: string,
  traceId: string,
  files: { steps?: TraceStep[]; spans?: object[]; logs?: object[]; events?: object[] },
): void {
  const dir = path.join(store, jobId, 'traces');
  mkdirSync(dir, { recursive: true });
  const lines = (items: object[]) => items.map((item) => `${JSON.stringify(item)}\n`).join('');
  if (files.steps) writeFileSync(path.join(dir, `${traceId}.jsonl`), lines(files.steps));
  for (const kind of ['spans', 'logs', 'events'] as const) {
    const items = files[kind];
    if (items) writeFileSync(path.join(dir, `${traceId}.${kind}.jsonl`), lines(items));
  }
}

/** Appends lines to a trace's steps (`kind` 'steps') or side file, as a running job does. */
export function appendTraceLines(
  store: string,
  jobId: string,
  traceId: string,
  kind: 'steps' | 'spans' | 'logs' | 'events',
  items: object[],
): void {
  const name = kind === 'steps' ? `${traceId}.jsonl` : `${traceId}.${kind}.jsonl`;
  appendFileSync(
    path.join(store, jobId, 'traces', name),
    items.map((item) => `${JSON.stringify(item)}\n`).join(''),
  );
}
