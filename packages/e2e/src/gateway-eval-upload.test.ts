import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stepSpanId } from '@hud/eval';
import { afterAll, describe, expect, it } from 'vitest';
import {
  envWithoutNodePath,
  jobIds,
  LETTER_COUNT,
  readRunLines,
  readTraceSteps,
} from './support/eval-harness.js';
import { HUD_BIN } from './support/served-env.js';

// `hud eval` with HUD_API_KEY against the real gateway bin (apps/gateway): spans and lifecycle reports go up
// while the job runs, read back through the gateway's own API; a gateway killed and restarted mid-run, and
// one that is down for the whole run (issue 15).

const GATEWAY_BIN = fileURLToPath(
  new URL('../../../apps/gateway/bin/hud-gateway.js', import.meta.url),
);
const KEY = 'hud-e2e-upload-admin-key-4f1c9a';

const scratch: string[] = [];
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hud-upload-${label}-`));
  scratch.push(dir);
  return dir;
}

interface Gateway {
  url: string;
  port: number;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/** Starts the gateway bin on 127.0.0.1 (`port` 0: any) with `dataDir`, the test key as its admin key. */
async function startGateway(dataDir: string, port = 0): Promise<Gateway> {
  const child = spawn(
    process.execPath,
    [GATEWAY_BIN, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir],
    {
      env: { ...process.env, HUD_GATEWAY_BOOTSTRAP_KEY: KEY, HUD_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`the gateway exited before listening:\n${stderr}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** `GET url + path` with the key; the parsed JSON answer. */
async function api<T>(url: string, route: string): Promise<T> {
  const response = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(response.status, `GET ${route}`).toBe(200);
  return (await response.json()) as T;
}

interface TraceRecord {
  id: string;
  job_id: string;
  task_slug: string;
  status: string;
  reward: number | null;
  span_count: number;
}

interface EvalRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Spawns `hud eval <letter-count> oracle --all …extra --store <store>` against `apiUrl` with the key. */
function hudEval(apiUrl: string, store: string, extra: string[] = []): EvalRun {
  const env = envWithoutNodePath();
  for (const name of Object.keys(env)) if (name.startsWith('HUD_')) delete env[name];
  const home = tempDir('home');
  const child = spawn(
    process.execPath,
    [HUD_BIN, 'eval', LETTER_COUNT, 'oracle', '--all', ...extra, '--store', store],
    {
      cwd: home,
      env: { ...env, HOME: home, HUD_API_URL: apiUrl, HUD_API_KEY: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves once `check()` is true, polling every 50 ms (fails after `timeoutMs`). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Asserts the gateway holds job `jobId` of `store` in full: the job, one trace per local run with its slug,
 * status and reward, and each trace's spans = the local trace's steps, in order.
 */
async function expectUploaded(url: string, store: string, jobId: string): Promise<void> {
  const runs = readRunLines(store, jobId);
  const jobs = await api<{ items: { id: string; name: string; trace_count: number }[] }>(
    url,
    '/v2/jobs',
  );
  const job = jobs.items.find((item) => item.id === jobId);
  expect(job, `job ${jobId} on the gateway`).toMatchObject({ trace_count: runs.length });
  expect(job?.name).toMatch(/^letter-count \(3 tasks\)/);
  const { items } = await api<{ items: TraceRecord[] }>(url, `/v2/jobs/${jobId}/traces?limit=500`);
  expect(items.map((trace) => trace.id).sort()).toEqual(runs.map((run) => run.trace_id).sort());
  for (const run of runs) {
    const trace = items.find((item) => item.id === run.trace_id) as TraceRecord;
    const steps = readTraceSteps(store, jobId, run.trace_id);
    expect(trace).toMatchObject({
      job_id: jobId,
      task_slug: run.slug,
      status: run.status,
      reward: run.reward,
      span_count: steps.length,
    });
    const { spans } = await api<{ spans: { span_id: string }[] }>(
      url,
      `/v2/trace/${run.trace_id}/spans`,
    );
    expect(spans.map((span) => span.span_id)).toEqual(
      steps.map((step) => stepSpanId(run.trace_id, step.step_id)),
    );
    const { events } = await api<{ events: { step_id: number }[] }>(
      url,
      `/v2/trace/${run.trace_id}/events`,
    );
    expect(events.length).toBeGreaterThan(0);
  }
}

describe('hud eval uploading to the gateway', () => {
  it('uploads the job, its traces and their spans as it runs, and prints the job URL', async () => {
    const gateway = await startGateway(tempDir('data'));
    try {
      const store = tempDir('store');
      const run = hudEval(gateway.url, store);
      const code = await run.exited;
      expect(code, `${run.stdout()}\n${run.stderr()}`).toBe(0);
      const [jobId] = jobIds(store);
      expect(run.stdout()).toContain(`job: ${gateway.url}/jobs/${jobId}\n`);
      expect(run.stderr()).not.toMatch(/warning/);
      expect(run.stdout() + run.stderr()).not.toContain(KEY);
      expect(readRunLines(store, jobId as string).map((r) => r.reward)).toEqual([1, 1, 1]);
      await expectUploaded(gateway.url, store, jobId as string);
    } finally {
      await gateway.kill();
    }
  }, 120_000);

  it('loses no acknowledged span when the gateway is SIGKILLed mid-run and re-sends the rest after its restart', async () => {
    const dataDir = tempDir('data');
    let gateway = await startGateway(dataDir);
    const { url, port } = gateway;
    try {
      const store = tempDir('store');
      const run = hudEval(url, store, ['--group', '6', '--max-concurrent', '2']);
      await until('the job URL', () => /job: \S+\/jobs\/[0-9a-f]{32}/.test(run.stdout()));
      const jobId = /jobs\/([0-9a-f]{32})/.exec(run.stdout())?.[1] as string;
      // Some spans acknowledged, then the kill.
      let acknowledged: { trace: string; spans: string[] } | undefined;
      await until('a first trace with spans on the gateway', async () => {
        const response = await fetch(`${url}/v2/jobs/${jobId}/traces?limit=500`, {
          headers: { authorization: `Bearer ${KEY}` },
        });
        if (response.status !== 200) return false; // the job's `enter` has not come yet
        const { items } = (await response.json()) as { items: TraceRecord[] };
        const withSpans = items.find((trace) => trace.span_count > 0);
        if (!withSpans) return false;
        const { spans } = await api<{ spans: { span_id: string }[] }>(
          url,
          `/v2/trace/${withSpans.id}/spans`,
        );
        acknowledged = { trace: withSpans.id, spans: spans.map((span) => span.span_id) };
        return true;
      });
      await gateway.kill();
      // The eval goes on while the gateway is down: a run ends, its upload fails and is retried.
      const endedBefore = (run.stderr().match(/^✓ /gm) ?? []).length;
      await until('a run ending while the gateway is down', () => {
        return (
          (run.stderr().match(/^✓ /gm) ?? []).length > endedBefore || run.child.exitCode !== null
        );
      });
      gateway = await startGateway(dataDir, port);
      const code = await run.exited;
      expect(code, `${run.stdout()}\n${run.stderr()}`).toBe(0);
      expect(run.stderr()).not.toMatch(/warning/);
      expect(readRunLines(store, jobId)).toHaveLength(18);
      await expectUploaded(url, store, jobId);
      const { spans } = await api<{ spans: { span_id: string }[] }>(
        url,
        `/v2/trace/${acknowledged?.trace}/spans`,
      );
      expect(spans.map((span) => span.span_id)).toEqual(
        expect.arrayContaining(acknowledged?.spans ?? ['none']),
      );
    } finally {
      await gateway.kill();
    }
  }, 120_000);

  it('still succeeds with the gateway down for the whole run: the local store is complete, one warning', async () => {
    // A port with nothing listening on it.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const store = tempDir('store');
    const run = hudEval(`http://127.0.0.1:${port}`, store);
    const code = await run.exited;
    expect(code, `${run.stdout()}\n${run.stderr()}`).toBe(0);
    const [jobId] = jobIds(store);
    const runs = readRunLines(store, jobId as string);
    expect(runs.map((r) => r.reward)).toEqual([1, 1, 1]);
    for (const r of runs)
      expect(readTraceSteps(store, jobId as string, r.trace_id).length).toBeGreaterThan(0);
    const warnings = run
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: the upload to the platform is incomplete \(.*\): POST http:\/\/127\.0\.0\.1:\d+\/\S+ failed: .*; the local job store has the whole job/,
    );
    expect(run.stdout() + run.stderr()).not.toContain(KEY);
  }, 120_000);
});
