import { cpSync } from 'node:fs';
import path from 'node:path';
import type { FakeProvider, FakeTurn } from '@hud/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as anthropic from './support/anthropic-messages.js';
import { LETTER_COUNT, report } from './support/eval-harness.js';
import {
  call,
  type GatewayProcess,
  hud,
  newAdminKey,
  removeTemp,
  startGateway,
  startHudWorker,
  tempDir,
  type WorkerProcess,
} from './support/gateway-cli.js';
import { evalModel, fakeModel, removeModelScratch } from './support/model-agents.js';
import { letterCountOf } from './support/model-scripts.js';
import { REPO_ROOT } from './support/served-env.js';
import {
  CHROMIUM,
  haveChromium,
  LAUNCH_ARGS,
  loggedInContext,
  shot,
} from './support/viewer-store.js';

// Issue 17's done-when, in Chromium: the gateway's viewer shows the job `hud eval … claude` uploaded (part 1:
// telemetry, its model calls through the gateway's LLM routes) and the hosted job a `hud worker` ran (part
// 2: `hud eval <taskset> claude --remote`), each with its tokens and cost as the API reports them, and the
// hosted job's trace with its agent step's tokens and cost. The model is a fake Anthropic upstream set as
// the team's own key (BYOK); each part answers with usage of its own, so a job showing the other's figures
// (or none) fails.

/** Polls until the page shows what is expected (pages load their data after the first paint). */
const until = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

/** The usage the fake model reports for each call of part 1 (uploaded) and part 2 (hosted). */
const UPLOADED_USAGE = { inputTokens: 1200, outputTokens: 30 };
const HOSTED_USAGE = { inputTokens: 2500, outputTokens: 70 };

/** A token count as the viewer writes it (`formatTokens`: thousands separators). */
const tokensText = (tokens: number) => tokens.toLocaleString('en');
/** A USD cost as the viewer writes it (`formatCost`: 4 decimals under $1, else 2). */
const costText = (cost: number) => `$${cost < 1 ? cost.toFixed(4) : cost.toFixed(2)}`;

/** The usage fields of a job or trace on the gateway (`UsageFields` of apps/gateway's job routes). */
interface Usage {
  id: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  unpriced_requests: number;
}

if (!haveChromium) {
  process.stderr.write(`[viewer e2e] skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
}

describe.skipIf(!haveChromium)('uploaded and hosted model jobs on the gateway viewer', () => {
  const adminKey = newAdminKey();
  let gateway: GatewayProcess;
  let fake: FakeProvider;
  let worker: WorkerProcess | undefined;
  let uploaded: string;
  let hosted: string;
  /** Fake-model requests of each part. */
  let uploadedCalls = 0;
  let hostedCalls = 0;
  let browser: Browser;
  let context: BrowserContext;
  /** Every URL the pages asked the gateway for (none may carry the key). */
  const requested: string[] = [];
  const vars = () => ({ HUD_API_URL: gateway.url, HUD_API_KEY: adminKey });
  let usage = UPLOADED_USAGE;

  const api = async <T>(route: string): Promise<T> => {
    const reply = await call(gateway.url, adminKey, 'GET', route);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body as T;
  };

  beforeAll(async () => {
    gateway = await startGateway(adminKey);
    fake = await fakeModel(
      (body): FakeTurn => ({
        text: letterCountOf(anthropic.promptOf(body as anthropic.MessagesBody))?.answer ?? '0',
        usage,
      }),
    );
    const home = tempDir('cost-home');
    const set = await hud(
      [
        'keys',
        'provider',
        'set',
        'anthropic',
        '--api-key',
        'sk-ant-e2e-cost',
        '--base-url',
        fake.url,
      ],
      { home, vars: vars() },
    );
    expect(set.code, set.stderr).toBe(0);

    // Part 1: only HUD_API_URL and HUD_API_KEY, so the run is uploaded and its calls go through the gateway.
    const part1 = await evalModel('claude', LETTER_COUNT, ['--all'], {
      env: vars(),
      timeoutMs: 120_000,
    });
    expect(part1.run.code, `${part1.run.stdout}\n${part1.run.stderr}`).toBe(0);
    expect(part1.run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    uploaded = part1.jobId;
    uploadedCalls = fake.requests.length;

    // Part 2: the taskset synced, a local worker runs the rollouts, the client follows the hosted job.
    usage = HOSTED_USAGE;
    const dir = tempDir('cost-letter-count');
    for (const file of ['env.ts', 'tasks.ts']) {
      cpSync(path.join(REPO_ROOT, 'examples/letter-count', file), path.join(dir, file));
    }
    const sync = await hud(['sync', 'tasks', 'letter-count-cost', 'tasks.ts', '-y'], {
      home,
      vars: vars(),
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(sync.code, sync.stderr).toBe(0);
    worker = startHudWorker({ cwd: dir, name: 'cost-1', home, vars: vars() });
    const part2 = await hud(['eval', 'letter-count-cost', 'claude', '--all', '--remote'], {
      home,
      vars: vars(),
      cwd: tempDir('cost-client'),
      timeoutMs: 150_000,
    });
    expect(part2.code, `${part2.stdout}\n${part2.stderr}\n${worker.stderr()}`).toBe(0);
    expect(part2.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    hosted = /\/jobs\/([0-9a-f]{32})/.exec(part2.stdout)?.[1] ?? '';
    expect(hosted, part2.stdout).toMatch(/^[0-9a-f]{32}$/);
    hostedCalls = fake.requests.length - uploadedCalls;
    report(`fake model calls: ${uploadedCalls} uploaded, ${hostedCalls} hosted`);
    expect(worker.stderr()).not.toContain(adminKey);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    // the key once, as a user types it into the page's form
    context = await loggedInContext(browser, gateway.url, adminKey, hosted, requested);
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await fake?.close();
    await gateway?.stop();
    removeTemp();
    removeModelScratch();
  });

  const open = async (url: string): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(`${gateway.url}${url}`);
    return page;
  };

  /** The `dd` after the `dt` named `term` in the page's facts. */
  const fact = (page: Page, term: string) =>
    page.locator(
      `xpath=//dl[contains(@class,"facts")]/dt[normalize-space()="${term}"]/following-sibling::dd[1]`,
    );

  it('the API records each job through the gateway with its own calls and a known cost', async () => {
    expect(uploadedCalls).toBeGreaterThanOrEqual(3);
    expect(hostedCalls).toBeGreaterThanOrEqual(3);
    for (const [id, calls, each] of [
      [uploaded, uploadedCalls, UPLOADED_USAGE],
      [hosted, hostedCalls, HOSTED_USAGE],
    ] as const) {
      const job = await api<Usage>(`/v2/jobs/${id}`);
      expect(job).toMatchObject({
        id,
        input_tokens: each.inputTokens * calls,
        output_tokens: each.outputTokens * calls,
        unpriced_requests: 0,
      });
      expect(job.cost_usd).toBeGreaterThan(0);
    }
  });

  it('lists both jobs with the tokens and cost GET /v2/jobs reports for each', async () => {
    const listed = await api<{ items: Usage[] }>('/v2/jobs?limit=100');
    const page = await open('/jobs');
    for (const id of [uploaded, hosted]) {
      const job = listed.items.find((item) => item.id === id);
      expect(job, id).toBeDefined();
      const { input_tokens, output_tokens, cost_usd } = job as Usage;
      expect(input_tokens + output_tokens).toBeGreaterThan(0);
      expect(cost_usd).toBeGreaterThan(0);
      const row = page.locator(`tr[data-job="${id}"]`);
      await until(() => row.count()).toBe(1);
      const cells = row.locator('td');
      expect(await cells.nth(2).textContent()).toContain('claude');
      expect(await row.locator('td.runs').textContent()).toBe('3/3');
      expect(await row.locator('td.reward').textContent()).toBe('1');
      // the tokens and cost columns (10th and 11th)
      expect(await cells.nth(9).textContent()).toBe(tokensText(input_tokens + output_tokens));
      expect(await cells.nth(10).textContent()).toBe(costText(cost_usd as number));
    }
    await shot(page, 'gateway-cost-jobs');
    await page.close();
  });

  it("each job's page shows the tokens in and out and the cost the job endpoint reports", async () => {
    for (const [id, name] of [
      [uploaded, 'uploaded'],
      [hosted, 'hosted'],
    ] as const) {
      const job = await api<Usage>(`/v2/jobs/${id}`);
      const page = await open(`/jobs/${id}`);
      await until(() => fact(page, 'tokens').count()).toBe(1);
      expect(await fact(page, 'tokens').textContent()).toBe(
        `${tokensText(job.input_tokens)} in / ${tokensText(job.output_tokens)} out`,
      );
      expect(await fact(page, 'cost').textContent()).toBe(costText(job.cost_usd as number));
      expect(await fact(page, 'agent / model').textContent()).toMatch(/^claude\b/);
      expect(await fact(page, 'runs').textContent()).toMatch(/^3\/3 done/);
      await until(() => page.locator('a.cell[data-trace]').count()).toBe(3);
      await shot(page, `gateway-cost-job-${name}`);
      await page.close();
    }
  });

  it("a hosted trace's page shows the trace's and its agent step's tokens and cost", async () => {
    const traces = await api<{ items: (Usage & { task_slug: string | null })[] }>(
      `/v2/jobs/${hosted}/traces?limit=50`,
    );
    expect(traces.items).toHaveLength(3);
    const trace = traces.items[0] as Usage;
    expect(trace.input_tokens).toBeGreaterThan(0);
    expect(trace.cost_usd).toBeGreaterThan(0);
    const page = await open(`/jobs/${hosted}`);
    const cell = page.locator(`a.cell[data-trace="${trace.id}"]`);
    await until(() => cell.count()).toBe(1);
    await cell.click();
    await until(() => fact(page, 'tokens').count()).toBe(1);
    expect(await fact(page, 'tokens').textContent()).toBe(
      tokensText(trace.input_tokens + trace.output_tokens),
    );
    expect(await fact(page, 'cost').textContent()).toBe(costText(trace.cost_usd as number));
    // Its model, stop reason and grade as the worker's verdict reported them, as an uploaded trace of the
    // same task shows them (`/enter`'s model, `/exit`'s stop_reason and evaluation_result).
    type Outcome = { model: string | null; stop_reason: string | null; evaluation_result: unknown };
    const shown = await api<Outcome>(`/v2/trace/${trace.id}`);
    const [first] = (await api<{ items: Usage[] }>(`/v2/jobs/${uploaded}/traces?limit=1`)).items;
    const reference = await api<Outcome>(`/v2/trace/${first?.id}`);
    expect(shown.model).toEqual(expect.stringMatching(/^claude/));
    expect(shown.model).toBe(reference.model);
    expect(shown.stop_reason).toBe('done');
    expect(shown.evaluation_result).toEqual(reference.evaluation_result);
    expect(shown.evaluation_result).toMatchObject({ score: 1 });
    expect(await fact(page, 'model').textContent()).toBe(shown.model);
    expect(await fact(page, 'stop reason').textContent()).toBe('done');
    expect(await page.locator('.grade .reward').textContent()).toBe('1');
    const agentSteps = page.locator('li.step.source-agent');
    await until(() => agentSteps.count()).toBeGreaterThan(0);
    // letter-count is one model call per run: its agent step spent what the gateway recorded for the trace
    expect(await agentSteps.count()).toBe(1);
    const step = agentSteps.first();
    expect(await step.locator('.tokens').textContent()).toBe(
      `${tokensText(HOSTED_USAGE.inputTokens)} in / ${tokensText(HOSTED_USAGE.outputTokens)} out`,
    );
    expect(trace.input_tokens).toBe(HOSTED_USAGE.inputTokens);
    expect(trace.output_tokens).toBe(HOSTED_USAGE.outputTokens);
    expect(await step.locator('.cost').textContent()).toBe(costText(trace.cost_usd as number));
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    await shot(page, 'gateway-cost-hosted-trace');
    report(`gateway pages asked for ${requested.length} URLs`);
    expect(requested.filter((url) => url.includes(adminKey))).toEqual([]);
    await page.close();
  });
});
