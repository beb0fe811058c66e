import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Environment, serve } from '@hud/environment';
import { JobStore, Taskset } from '@hud/eval';
import type { Agent, Provider, RuntimeLogLine } from '@hud/protocol';
import { tempDirEachTest } from '@hud/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordLocalResult } from '../qa/local-results.js';
import { createViewServer } from './server.js';
import { StoreApi } from './store-api.js';

const scratch = tempDirEachTest('hud-view-api-');
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stand-in for the built viewer. */
function viewerFiles(): string {
  const dir = path.join(scratch.path, 'viewer');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>hud viewer</title>');
  return dir;
}

/**
 * An environment with a workspace (file tracking on): task `check` passes on the answer `'pass'`, task
 * `strict` never passes with the answers the tests give.
 */
async function servedEnvironment(): Promise<{ url: string; workspace: string }> {
  const workspace = path.join(scratch.path, `ws-${cleanups.length}`);
  mkdirSync(workspace, { recursive: true });
  const env = new Environment({ name: 'viewer-env' });
  env.workspace(workspace);
  env.template({ id: 'check' }, async function* () {
    const answer: string = yield 'answer pass';
    return answer === 'pass' ? 1 : 0;
  });
  env.template({ id: 'strict' }, async function* () {
    const answer: string = yield 'answer never';
    return answer === 'never' ? 1 : 0;
  });
  const server = await serve(env);
  cleanups.push(() => server.close());
  return { url: server.url, workspace };
}

const LOGS: RuntimeLogLine[] = [
  { time: '2026-01-01T00:00:00.000Z', source: 'environment', stream: 'stderr', line: 'booting' },
  {
    time: '2026-01-01T00:00:01.000Z',
    source: 'environment',
    stream: 'stdout',
    line: 'using api_key=sk-abcdefghijklmnopqrstuvwx',
  },
];

/** Runs `tasks` (one slug each) with an agent answering `answer` into the store at `root`. */
async function runJob(
  root: string,
  options: { name: string; answer: string; group?: number; model?: string },
): Promise<string> {
  const { url, workspace } = await servedEnvironment();
  const provider: Provider = async () => ({
    url,
    logLines: async () => LOGS,
    [Symbol.asyncDispose]: async () => {},
  });
  const agent: Agent = {
    name: 'scripted',
    ...(options.model ? { model: options.model } : {}),
    async run() {
      await writeFile(path.join(workspace, 'edited.txt'), `${options.answer}\n`);
      return { answer: options.answer };
    },
  };
  const taskset = new Taskset(options.name, [
    { env: 'viewer-env', id: 'check', args: {}, slug: 'first' },
    { env: 'viewer-env', id: 'strict', args: {}, slug: 'second' },
  ]);
  const job = await taskset.run({
    agent,
    provider,
    store: new JobStore(root),
    group: options.group ?? 1,
    fileTracking: { intervalMs: 20, onSpan: () => {} },
  });
  return job.id;
}

async function server(root: string): Promise<FastifyInstance> {
  const app = createViewServer({ store: root, viewerDir: viewerFiles(), pollMs: 20 });
  cleanups.push(() => app.close());
  return app;
}

const get = async (app: FastifyInstance, url: string) => {
  const reply = await app.inject({ method: 'GET', url });
  return { status: reply.statusCode, body: reply.json() };
};

describe('hud view API over a store made by taskset.run', () => {
  it('lists jobs with the viewer fields and filters them', async () => {
    const root = path.join(scratch.path, 'jobs');
    const passing = await runJob(root, { name: 'letters', answer: 'pass', group: 2, model: 'm-1' });
    const failing = await runJob(root, { name: 'numbers', answer: 'nope' });
    const app = await server(root);
    const job = await get(app, `/v2/jobs/${passing}`);
    expect(job.body).toMatchObject({
      agent: 'scripted',
      model: 'm-1',
      total_count: 4,
      task_count: 2,
      completed_count: 4,
      // 'first' passes both times; 'second' (strict) fails both times.
      success_rate: 0.5,
      pass_at_k: 0.5,
      status: 'completed',
      input_tokens: 0,
      cached_tokens: 0,
    });
    expect(job.body.duration_ms).toBeGreaterThanOrEqual(0);
    expect((await get(app, `/v2/jobs/${failing}`)).body).toMatchObject({
      success_rate: 0,
      pass_at_k: null,
    });
    const ids = async (query: string) =>
      (await get(app, `/v2/jobs?${query}`)).body.items.map((item: { id: string }) => item.id);
    expect(await ids('q=LETTERS')).toEqual([passing]);
    expect(await ids(`q=${failing.slice(3, 11)}`)).toEqual([failing]);
    expect(await ids('q=m-1')).toEqual([passing]);
    expect(await ids('taskset=numbers')).toEqual([failing]);
    expect(await ids('status=completed')).toHaveLength(2);
    expect(await ids('status=running')).toEqual([]);
    const bad = await get(app, '/v2/jobs?status=done');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('status');
  });

  it("keeps a run's file-tracking spans, environment output (redacted) and phase events", async () => {
    const root = path.join(scratch.path, 'jobs');
    const jobId = await runJob(root, { name: 'letters', answer: 'pass' });
    const app = await server(root);
    const traces = (await get(app, `/v2/jobs/${jobId}/traces`)).body.items as {
      id: string;
      task_slug: string;
    }[];
    const traceId = traces.find((trace) => trace.task_slug === 'first')?.id as string;
    const spans = (await get(app, `/v2/trace/${traceId}/spans`)).body.spans as { name: string }[];
    const names = spans.map((span) => span.name);
    expect(names).toContain('filetracking.snapshot');
    expect(names.some((name) => name.startsWith('step.') || name === 'hud.step')).toBe(true);
    const diffs = spans.filter((span) => span.name === 'filetracking.diff');
    expect(JSON.stringify(diffs)).toContain('edited.txt');

    const logs = await get(app, `/v2/trace/${traceId}/logs?limit=1`);
    expect(logs.body.items).toEqual([LOGS[0]]);
    expect(logs.body.next_cursor).toBe('1');
    const rest = await get(app, `/v2/trace/${traceId}/logs?limit=5&cursor=1`);
    expect(rest.body.items[0].line).toBe('using api_key=[redacted]');
    expect(rest.body.next_cursor).toBeNull();

    const events = (await get(app, `/v2/trace/${traceId}/events?limit=100`)).body.items as {
      phase: string;
      source: string;
      level: string;
    }[];
    expect(events.map((event) => event.phase)).toEqual([
      'acquire',
      'setup',
      'agent',
      'grade',
      'teardown',
      'end',
    ]);
    expect(events.every((event) => event.source === 'runtime')).toBe(true);
  });

  it('ranks the jobs of a taskset by agent and model; 404 names an unknown taskset', async () => {
    const root = path.join(scratch.path, 'jobs');
    const good = await runJob(root, { name: 'letters', answer: 'pass', model: 'strong' });
    await runJob(root, { name: 'letters', answer: 'nope', model: 'weak' });
    await runJob(root, { name: 'other', answer: 'pass', model: 'weak' });
    const app = await server(root);
    const board = await get(app, '/v2/tasksets/letters/leaderboard');
    expect(board.status).toBe(200);
    expect(board.body).toMatchObject({ taskset_id: null, taskset_name: 'letters' });
    expect(board.body.rows).toEqual([
      expect.objectContaining({
        agent: 'scripted',
        model: 'strong',
        job_count: 1,
        run_count: 2,
        mean_reward: 0.5,
        success_rate: 0.5,
        latest_job_id: good,
      }),
      expect.objectContaining({ model: 'weak', mean_reward: 0, job_count: 1 }),
    ]);
    const missing = await get(app, '/v2/tasksets/nothing/leaderboard');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('nothing');
  });

  it('reads a store written before side records existed (no spans, logs or events files)', async () => {
    const root = path.join(scratch.path, 'jobs');
    const jobId = await runJob(root, { name: 'letters', answer: 'pass' });
    const traceDir = path.join(root, jobId, 'traces');
    const { readdir, rm } = await import('node:fs/promises');
    for (const name of await readdir(traceDir)) {
      if (name.split('.').length > 2) await rm(path.join(traceDir, name));
    }
    const app = await server(root);
    const traceId = (await get(app, `/v2/jobs/${jobId}/traces`)).body.items[0].id;
    expect((await get(app, `/v2/trace/${traceId}/logs`)).body).toMatchObject({
      items: [],
      next_cursor: null,
    });
    expect((await get(app, `/v2/trace/${traceId}/events`)).body.items).toEqual([]);
    const spans = (await get(app, `/v2/trace/${traceId}/spans`)).body.spans as { name: string }[];
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.some((span) => span.name.startsWith('filetracking.'))).toBe(false);
  });
});

describe('hud view reading runs.jsonl', () => {
  it('parses it once while unchanged and again after a run is appended', async () => {
    const root = path.join(scratch.path, 'jobs');
    const jobId = await runJob(root, { name: 'cached', answer: 'pass' });
    const api = new StoreApi(root);
    const reads = vi.spyOn(api.store, 'readRuns');
    expect((await api.job(jobId)).completed_count).toBe(2);
    await api.jobTraces(jobId, 1, 0);
    await api.jobTraces(jobId, 1, 1);
    expect(reads).toHaveBeenCalledTimes(1);
    // a run appended (as a resumed job would): the next request sees it
    const [first] = await new JobStore(root).readRuns(jobId);
    const runsFile = path.join(api.store.jobDirectory(jobId), 'runs.jsonl');
    appendFileSync(
      runsFile,
      `${JSON.stringify({ ...first, trace_id: 'f'.repeat(32), group_index: 1 })}\n`,
    );
    expect((await api.jobTraces(jobId, 10, 0)).items).toHaveLength(3);
    expect(reads).toHaveBeenCalledTimes(2);
  });
});

describe('hud view QA routes over <job>/qa.jsonl', () => {
  it('serves the recorded verdicts by job and by trace, the latest per workflow and trace', async () => {
    const root = path.join(scratch.path, 'jobs');
    const jobId = await runJob(root, { name: 'letters', answer: 'pass' });
    const app = await server(root);
    const traces = (await get(app, `/v2/jobs/${jobId}/traces`)).body.items as { id: string }[];
    const [first, second] = traces.map((trace) => trace.id) as [string, string];
    const store = new JobStore(root);
    const verdict = (flagged: boolean) => ({
      verdict: flagged ? ('flagged' as const) : ('passed' as const),
      category: flagged ? 'lucky-guess' : null,
      confidence: 0.9,
      evidence: [{ step: 2, note: 'the answer' }],
      explanation: flagged ? 'A bare number.' : 'Earned.',
    });
    const record = (traceId: string, flagged: boolean) =>
      recordLocalResult(store, {
        jobId,
        traceId,
        workflowId: 'false-positive',
        model: 'judge-1',
        verdict: verdict(flagged),
      });
    await record(first, false);
    await record(first, true); // supersedes the first line
    await record(second, false);

    const job = await get(app, `/v2/jobs/${jobId}/qa`);
    expect(job.status).toBe(200);
    expect(job.body.items).toHaveLength(2);
    const byTrace = await get(app, `/v2/trace/${first}/qa`);
    expect(byTrace.status).toBe(200);
    expect(byTrace.body.items).toEqual([
      expect.objectContaining({
        qa_agent_id: 'false-positive',
        subject_type: 'trace',
        subject_id: first,
        job_id: jobId,
        status: 'completed',
        verdict: 'flagged',
        category: 'lucky-guess',
        evidence: [{ step: 2, note: 'the answer' }],
        explanation: 'A bare number.',
      }),
    ]);
    expect((await get(app, `/v2/trace/${second}/qa`)).body.items).toMatchObject([
      { verdict: 'passed' },
    ]);
  });

  it('answers no items without qa.jsonl, and 404 for an unknown job or trace', async () => {
    const root = path.join(scratch.path, 'jobs');
    const jobId = await runJob(root, { name: 'letters', answer: 'pass' });
    const app = await server(root);
    const traceId = (await get(app, `/v2/jobs/${jobId}/traces`)).body.items[0].id;
    expect(await get(app, `/v2/jobs/${jobId}/qa`)).toEqual({ status: 200, body: { items: [] } });
    expect(await get(app, `/v2/trace/${traceId}/qa`)).toEqual({ status: 200, body: { items: [] } });
    expect((await get(app, `/v2/jobs/${'0'.repeat(32)}/qa`)).status).toBe(404);
    expect((await get(app, `/v2/trace/${'0'.repeat(32)}/qa`)).status).toBe(404);
  });
});
