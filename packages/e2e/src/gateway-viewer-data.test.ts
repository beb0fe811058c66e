import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobIds, LETTER_COUNT } from './support/eval-harness.js';
import {
  call,
  type GatewayProcess,
  hud,
  newAdminKey,
  removeTemp,
  startGateway,
  tempDir,
} from './support/gateway-cli.js';

// `hud eval` against a self-hosted gateway (HUD_API_URL): the gateway's viewer routes show the job with its
// agent and counts, and each run's environment output (LOGS) and runtime phases (DEBUG) from the store.

const ADMIN = newAdminKey();
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
});
afterAll(async () => {
  await gateway?.stop();
  removeTemp();
});

type Json = Record<string, unknown>;
const get = async (route: string) => (await call(gateway.url, ADMIN, 'GET', route)).body as Json;

it("uploads a run's logs and events with its spans; the job has the viewer's fields", async () => {
  const project = tempDir('viewer-data');
  const run = await hud(['eval', LETTER_COUNT, 'oracle'], {
    home: tempDir('viewer-data-home'),
    cwd: project,
    vars: { HUD_API_URL: gateway.url, HUD_API_KEY: ADMIN },
    timeoutMs: 90_000,
  });
  expect(run.code, run.stderr).toBe(0);
  const [jobId] = jobIds(path.join(project, '.hud', 'jobs')) as [string];
  const job = await get(`/v2/jobs/${jobId}`);
  expect(job).toMatchObject({
    id: jobId,
    agent: 'oracle',
    status: 'completed',
    completed_count: job.trace_count,
    success_rate: 1,
    pass_at_k: null,
  });
  expect(job.total_count).toBe(job.trace_count);
  expect((await get(`/v2/jobs?q=oracle`)).items).toEqual([expect.objectContaining({ id: jobId })]);

  const traces = (await get(`/v2/jobs/${jobId}/traces?limit=100`)).items as { id: string }[];
  const traceId = (traces[0] as { id: string }).id;
  const logs = (await get(`/v2/trace/${traceId}/logs?limit=100`)).items as Json[];
  expect(logs.length).toBeGreaterThan(0);
  expect(logs[0]).toMatchObject({ source: 'environment', stream: expect.any(String) });
  const events = (await get(`/v2/trace/${traceId}/events?limit=100`)).items as Json[];
  expect(events.map((event) => event.phase)).toEqual(
    expect.arrayContaining(['acquire', 'setup', 'agent', 'grade', 'teardown', 'end']),
  );
  // hud-python's `hud trace` still gets its span-derived events.
  expect(((await get(`/v2/trace/${traceId}/events`)).events as unknown[]).length).toBeGreaterThan(
    0,
  );
}, 150_000);
