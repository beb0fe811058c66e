import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, hasDocker, managedContainers, uniqueTag } from './support/docker.js';
import {
  call,
  GATEWAY_BIN,
  type GatewayProcess,
  hud,
  newAdminKey,
  newRunId,
  removeTemp,
  spawnHud,
  startGateway,
  startGatewayProcess,
  startHudWorker,
  tempDir,
  type WorkerProcess,
} from './support/gateway-cli.js';
import { REPO_ROOT } from './support/served-env.js';

// Hosted rollouts end to end (issue 16): the real gateway bin on SQLite, `hud worker --runtime local`
// processes of the built CLI serving an env file of their folder, `hud sync tasks`, and `hud eval <taskset>
// --remote` following the job it submitted; `hud jobs <id> --follow`; SIGTERM giving a lease back.

const KEY = newAdminKey();
const LETTER_COUNT = path.join(REPO_ROOT, 'examples/letter-count');
let gateway: GatewayProcess | undefined;
let home = '';

beforeAll(async () => {
  gateway = await startGateway(KEY);
  home = tempDir('workers-home');
});

afterAll(async () => {
  await gateway?.stop();
  removeTemp();
});

const vars = () => ({ HUD_API_URL: gateway?.url ?? '', HUD_API_KEY: KEY });

const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) {
    if (worker.child.exitCode === null && worker.child.signalCode === null)
      worker.child.kill('SIGKILL');
    await worker.exited;
  }
});

/** Starts `hud worker --runtime <runtime>` in `cwd`, stopped after the test. */
function startWorker(cwd: string, name: string, runtime = 'local'): WorkerProcess {
  const worker = startHudWorker({ cwd, name, runtime, home, vars: vars() });
  workers.push(worker);
  return worker;
}

/** Polls `check` every 100 ms until it returns a value (not undefined), for at most `ms`. */
async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A copy of examples/letter-count in a fresh folder. */
function letterCountCopy(): string {
  const dir = tempDir('workers-letter-count');
  for (const file of ['env.ts', 'tasks.ts'])
    cpSync(path.join(LETTER_COUNT, file), path.join(dir, file));
  return dir;
}

interface TraceRow {
  id: string;
  status: string;
  reward: number | null;
  task_slug: string | null;
}

describe('hud eval --remote with hud worker --runtime local', () => {
  it('runs a synced taskset on a worker: every trace completed with reward 1, then hud jobs --follow shows it', async () => {
    const dir = letterCountCopy();
    const sync = await hud(['sync', 'tasks', 'letter-count-remote', 'tasks.ts', '-y'], {
      home,
      vars: vars(),
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(sync.code, sync.stderr).toBe(0);
    const worker = startWorker(dir, 'local-1');

    // From a folder with no env file: the taskset is the platform's, the rollouts the worker's.
    const elsewhere = tempDir('workers-client');
    const run = await hud(['eval', 'letter-count-remote', 'oracle', '--all', '--remote'], {
      home,
      vars: vars(),
      cwd: elsewhere,
      timeoutMs: 120_000,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}\n${worker.stderr()}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    const jobId = /\/jobs\/([0-9a-f]{32})/.exec(run.stdout)?.[1];
    expect(jobId, run.stdout).toBeDefined();

    const traces = await call(gateway?.url ?? '', KEY, 'GET', `/v2/jobs/${jobId}/traces?limit=50`);
    const rows = (
      Array.isArray(traces.body) ? traces.body : (traces.body as { items: TraceRow[] }).items
    ) as TraceRow[];
    expect(rows).toHaveLength(3);
    for (const row of rows) expect([row.status, row.reward]).toEqual(['completed', 1]);
    // Spans went up under each trace with the lease's key.
    const spans = await call(gateway?.url ?? '', KEY, 'GET', `/v2/trace/${rows[0]?.id}/spans`);
    expect(spans.status).toBe(200);
    expect((spans.body as { spans: unknown[] }).spans.length).toBeGreaterThan(0);

    const follow = await hud(['jobs', jobId as string, '--follow'], {
      home,
      vars: vars(),
      cwd: elsewhere,
    });
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout).toMatch(/reward 1\.000 over 3 graded runs/);

    expect(worker.stderr()).not.toContain(KEY);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.stderr()).toContain('stopped');
  }, 240_000);
});

describe('a gateway restarted mid-job', () => {
  it('the worker and the --remote client reconnect, and the job completes with each verdict once', async () => {
    // A gateway of its own (SQLite in its data dir), restarted on the same port and data dir.
    const dataDir = tempDir('workers-restart-data');
    const start = (port: string) =>
      startGatewayProcess(
        GATEWAY_BIN,
        ['--host', '127.0.0.1', '--port', port, '--data-dir', dataDir, '--log-level', 'warn'],
        { PATH: process.env.PATH ?? '', HUD_GATEWAY_BOOTSTRAP_KEY: KEY },
        dataDir,
      );
    let own = await start('0');
    const port = new URL(own.url).port;
    const ownVars = { HUD_API_URL: own.url, HUD_API_KEY: KEY };
    try {
      const dir = letterCountCopy();
      const sync = await hud(['sync', 'tasks', 'letter-count-restart', 'tasks.ts', '-y'], {
        home,
        vars: ownVars,
        cwd: dir,
      });
      expect(sync.code, sync.stderr).toBe(0);
      const worker = startHudWorker({ cwd: dir, name: 'restart-1', home, vars: ownVars });
      workers.push(worker);
      const client = spawnHud(
        ['eval', 'letter-count-restart', 'oracle', '--all', '--group', '10', '--remote'],
        { cwd: tempDir('workers-client'), home, vars: ownVars },
      );
      // Mid-job: some verdicts in, some rollouts still queued.
      const jobId = await until(async () => {
        const id = /\/jobs\/([0-9a-f]{32})/.exec(client.stdout())?.[1];
        if (!id) return undefined;
        const completed = (worker.stderr().match(/: completed, reward/g) ?? []).length;
        return completed >= 3 ? id : undefined;
      }, 'three verdicts');
      expect(await own.stop(), own.stderr()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      own = await start(port);

      expect(
        await client.exited,
        `${client.stdout()}\n${client.stderr()}\n${worker.stderr()}`,
      ).toBe(0);
      expect(client.stdout()).toMatch(/reward 1\.000 over 30 graded runs/);
      // Nothing recorded was lost over the restart: every trace's spans reached the gateway.
      expect(worker.stderr()).not.toContain('not uploaded');
      const traces = await call(own.url, KEY, 'GET', `/v2/jobs/${jobId}/traces?limit=50`);
      const rows = (
        Array.isArray(traces.body) ? traces.body : (traces.body as { items: TraceRow[] }).items
      ) as TraceRow[];
      expect(rows).toHaveLength(30);
      for (const row of rows) {
        expect([row.status, row.reward]).toEqual(['completed', 1]);
        const spans = await call(own.url, KEY, 'GET', `/v2/trace/${row.id}/spans`);
        expect((spans.body as { spans: unknown[] }).spans.length, row.id).toBeGreaterThan(0);
      }
      worker.child.kill('SIGTERM');
      expect(await worker.exited, worker.stderr()).toBe(0);
    } finally {
      await own.stop();
    }
  }, 240_000);
});

describe('hud worker SIGTERM', () => {
  it('gives a running lease back (the rollout is queued again) and exits 0', async () => {
    const dir = tempDir('workers-slow-env');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'env.ts'),
      `import { Environment } from '@hud/environment';
import { z } from 'zod';

export const env = new Environment({ name: 'slow-env', version: '0.1.0' });

export const hold = env.template(
  { id: 'hold', description: 'Takes ten minutes to start.', args: z.object({}) },
  async function* () {
    await new Promise((resolve) => setTimeout(resolve, 600_000));
    yield 'never asked';
    yield 1;
  },
);
`,
    );
    const traceId = newRunId();
    const jobId = newRunId();
    // hud-python's HostedRuntime submit body (spec §6.2).
    const submit = await call(gateway?.url ?? '', KEY, 'POST', '/v2/rollouts/submit', {
      trace_id: traceId,
      job_id: jobId,
      env: 'slow-env',
      task: 'hold',
      slug: 'hold-1',
      args: {},
      agent: { type: 'oracle', config: {} },
    });
    expect(submit.status, JSON.stringify(submit.body)).toBe(200);
    const worker = startWorker(dir, 'slow-1');
    const status = async () =>
      (await call(gateway?.url ?? '', KEY, 'GET', `/v2/trace/${traceId}`)).body as {
        status: string;
      };
    await until(
      async () => ((await status()).status === 'running' ? true : undefined),
      'the rollout to be leased',
    );
    await until(
      async () => (worker.stderr().includes('hold-1 (trace') ? true : undefined),
      "the worker's lease line",
    );
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.stderr()).toBe(0);
    expect(worker.stderr()).toMatch(/given back \(the worker shut down\)/);
    expect((await status()).status).toBe('queued');
    // Cancel it so nothing else picks it up.
    await call(gateway?.url ?? '', KEY, 'POST', '/v2/rollouts/cancel', { trace_id: traceId });
  }, 120_000);
});

describe('faults of hosted rollouts', () => {
  it('an environment never deployed: a docker worker records each rollout as an error with that reason, the job completes', async () => {
    const dir = letterCountCopy();
    const sync = await hud(['sync', 'tasks', 'letter-count-undeployed', 'tasks.ts', '-y'], {
      home,
      vars: vars(),
      cwd: dir,
    });
    expect(sync.code, sync.stderr).toBe(0);
    const worker = startWorker(tempDir('workers-docker'), 'docker-1', 'docker');
    const run = await hud(['eval', 'letter-count-undeployed', 'oracle', '--all', '--remote'], {
      home,
      vars: vars(),
      cwd: tempDir('workers-client'),
      timeoutMs: 120_000,
    });
    // No verdicts: exit 1, as a local job whose runs all errored.
    expect(run.code, `${run.stdout}\n${run.stderr}\n${worker.stderr()}`).toBe(1);
    expect(run.stdout).toMatch(/3 without a verdict/);
    expect(run.stdout).toContain("environment 'letter-count' has no deployed image");
    // Recorded once, not retried: each trace ran one attempt.
    expect(worker.stderr().match(/: running$/gm)).toHaveLength(3);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 180_000);

  it('hud cancel mid-job: the worker stops its running rollouts within seconds, the rest never start', async () => {
    const dir = tempDir('workers-cancel-env');
    writeFileSync(
      path.join(dir, 'env.ts'),
      `import { Environment } from '@hud/environment';
import { z } from 'zod';

export const env = new Environment({ name: 'cancel-env', version: '0.1.0' });

export const hold = env.template(
  { id: 'hold', description: 'Takes ten minutes to start.', args: z.object({ n: z.number() }) },
  async function* () {
    await new Promise((resolve) => setTimeout(resolve, 600_000));
    yield 'never asked';
    yield 1;
  },
);
`,
    );
    const jobId = newRunId();
    const rollouts = Array.from({ length: 6 }, (_, n) => ({
      trace_id: newRunId(),
      env: 'cancel-env',
      task: 'hold',
      slug: `hold-${n}`,
      args: { n },
      agent: { type: 'oracle', config: {} },
    }));
    const submitted = await call(gateway?.url ?? '', KEY, 'POST', '/v2/rollouts/submit_batch', {
      job_id: jobId,
      rollouts,
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    const worker = startWorker(dir, 'cancel-1');
    const statuses = async () =>
      (
        (await call(gateway?.url ?? '', KEY, 'GET', `/v2/jobs/${jobId}/traces?limit=50`)).body as {
          items: TraceRow[];
        }
      ).items.map((row) => row.status);
    // Two running (the worker's concurrency), four queued.
    await until(
      async () =>
        (await statuses()).filter((status) => status === 'running').length === 2 ? true : undefined,
      'two rollouts running',
    );
    const cancelled = await hud(['cancel', jobId, '-y'], { home, vars: vars(), cwd: dir });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    await until(
      async () => ((await statuses()).every((status) => status === 'cancelled') ? true : undefined),
      // The held rollouts would run ten minutes: the worker stops them at its next heartbeat.
      'every rollout cancelled',
      30_000,
    );
    expect(worker.stderr().match(/: cancelled by the gateway/g)).toHaveLength(2);
    expect(worker.stderr()).not.toMatch(/hold-[2-5] \(trace/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.stderr()).toBe(0);
  }, 120_000);

  it('Ctrl-C with nobody to ask leaves the job running; hud jobs <id> says where it is', async () => {
    const dir = letterCountCopy();
    const sync = await hud(['sync', 'tasks', 'letter-count-detach', 'tasks.ts', '-y'], {
      home,
      vars: vars(),
      cwd: dir,
    });
    expect(sync.code, sync.stderr).toBe(0);
    // No worker: the job stays queued while the client follows it.
    const client = spawnHud(['eval', 'letter-count-detach', 'oracle', '--all', '--remote'], {
      cwd: tempDir('workers-client'),
      home,
      vars: vars(),
    });
    const jobId = await until(
      async () =>
        /hud eval: /.test(client.stdout())
          ? /\/jobs\/([0-9a-f]{32})/.exec(client.stdout())?.[1]
          : undefined,
      'the job line',
    );
    client.child.kill('SIGINT');
    expect(await client.exited, `${client.stdout()}\n${client.stderr()}`).toBe(130);
    expect(client.stdout()).toContain(`follow it with hud jobs ${jobId} --follow`);
    const traces = await call(gateway?.url ?? '', KEY, 'GET', `/v2/jobs/${jobId}/traces?limit=50`);
    const rows = (
      Array.isArray(traces.body) ? traces.body : (traces.body as { items: TraceRow[] }).items
    ) as TraceRow[];
    expect(rows.map((row) => row.status)).toEqual(['queued', 'queued', 'queued']);
    const cancel = await hud(['cancel', jobId, '-y'], { home, vars: vars(), cwd: dir });
    expect(cancel.code, cancel.stderr).toBe(0);
  }, 120_000);
});

describe.skipIf(!hasDocker)('hud worker --runtime docker', () => {
  it("runs a rollout in a container of the row's image, uploads its spans, and leaves no container", async () => {
    const dir = letterCountCopy();
    const tag = uniqueTag('worker-letter-count');
    const build = await hud(['build', '-t', tag], {
      home,
      vars: vars(),
      cwd: dir,
      timeoutMs: 240_000,
    });
    expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
    try {
      const jobId = newRunId();
      const traceIds = [newRunId(), newRunId()];
      for (const [index, traceId] of traceIds.entries()) {
        const submit = await call(gateway?.url ?? '', KEY, 'POST', '/v2/rollouts/submit', {
          trace_id: traceId,
          job_id: jobId,
          env: 'letter-count',
          task: 'count',
          slug: `count-${index}`,
          args: { word: 'strawberry', letter: 'r' },
          agent: { type: 'oracle', config: {} },
          runtime_config: { image: tag },
        });
        expect(submit.status, JSON.stringify(submit.body)).toBe(200);
      }
      const worker = startWorker(tempDir('workers-docker-run'), 'docker-2', 'docker');
      for (const traceId of traceIds) {
        const trace = await until(
          async () => {
            const body = (await call(gateway?.url ?? '', KEY, 'GET', `/v2/trace/${traceId}`))
              .body as { status: string; reward: number | null };
            return ['completed', 'error', 'cancelled'].includes(body.status) ? body : undefined;
          },
          `trace ${traceId} to finish`,
          180_000,
        );
        expect([trace.status, trace.reward], worker.stderr()).toEqual(['completed', 1]);
        const spans = await call(gateway?.url ?? '', KEY, 'GET', `/v2/trace/${traceId}/spans`);
        expect((spans.body as { spans: unknown[] }).spans.length).toBeGreaterThan(0);
      }
      worker.child.kill('SIGTERM');
      expect(await worker.exited, worker.stderr()).toBe(0);
      expect(await managedContainers({ 'hud.job': jobId })).toEqual([]);
    } finally {
      await docker(['rmi', '--force', tag]);
    }
  }, 300_000);
});
