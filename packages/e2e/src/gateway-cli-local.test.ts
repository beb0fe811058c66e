import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobIds, LETTER_COUNT, readRunLines } from './support/eval-harness.js';
import {
  call,
  type GatewayProcess,
  hud,
  newAdminKey,
  newRunId,
  removeTemp,
  startGateway,
  tempDir,
} from './support/gateway-cli.js';

// With HUD_API_KEY set, `hud jobs` and `hud trace` read the gateway; `--local` and `--store` still read the
// local job store, and a trace only the local store has is shown from it.

const ADMIN = newAdminKey();
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
});
afterAll(async () => {
  await gateway?.stop();
  removeTemp();
});

it('reads the local store with --local or --store while the key points at the gateway', async () => {
  const project = tempDir('local-project');
  const home = tempDir('local-home');
  // A local job, made without a key (nothing reaches the gateway).
  const local = await hud(['eval', LETTER_COUNT, 'oracle'], {
    home,
    cwd: project,
    timeoutMs: 60_000,
  });
  expect(local.code, local.stderr).toBe(0);
  const store = path.join(project, '.hud', 'jobs');
  const [localJob] = jobIds(store) as [string];
  const [run] = readRunLines(store, localJob);
  const localTrace = run?.trace_id as string;
  // A job on the gateway.
  const gatewayJob = newRunId();
  const entered = await call(gateway.url, ADMIN, 'POST', `/v2/trace/job/${gatewayJob}/enter`, {
    name: 'on the gateway',
    group: 1,
  });
  expect(entered.status).toBe(200);

  const vars = { HUD_API_URL: gateway.url, HUD_API_KEY: ADMIN };
  const remote = await hud(['jobs'], { home, vars, cwd: project });
  expect(remote.code, remote.stderr).toBe(0);
  expect(remote.stdout).toContain(gatewayJob);
  expect(remote.stdout).not.toContain(localJob);

  for (const flags of [['--local'], ['--store', store]]) {
    const listed = await hud(['jobs', ...flags], { home, vars, cwd: project });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(localJob);
    expect(listed.stdout).not.toContain(gatewayJob);
    const one = await hud(['jobs', localJob.slice(0, 8), ...flags], { home, vars, cwd: project });
    expect(one.stdout).toContain(`job ${localJob} — `);
    const trace = await hud(['trace', localTrace, ...flags], { home, vars, cwd: project });
    expect(trace.code, trace.stderr).toBe(0);
    expect(trace.stdout).toMatch(new RegExp(`^trace ${localTrace}: \\d+ steps`));
    expect(trace.stderr).toBe('');
  }

  // --limit/-n shows the newest jobs of the local store too.
  const second = await hud(['eval', LETTER_COUNT, 'oracle'], {
    home,
    cwd: project,
    timeoutMs: 60_000,
  });
  expect(second.code, second.stderr).toBe(0);
  const newest = jobIds(store).find((id) => id !== localJob) as string;
  const limited = await hud(['jobs', '--local', '-n', '1'], { home, vars, cwd: project });
  expect(limited.stdout).toContain(newest);
  expect(limited.stdout).not.toContain(localJob);
  expect(limited.stdout).toContain('showing the 1 newest of 2 jobs: --limit shows more');

  // The gateway does not know the local trace: it is shown from the local store, with a note.
  const fallback = await hud(['trace', localTrace], { home, vars, cwd: project });
  expect(fallback.code, fallback.stderr).toBe(0);
  expect(fallback.stderr.trim()).toBe(
    `note: ${gateway.url} has no trace ${localTrace}; showing it from .hud/jobs`,
  );
  expect(fallback.stdout).toMatch(new RegExp(`^trace ${localTrace}: \\d+ steps`));
}, 120_000);
