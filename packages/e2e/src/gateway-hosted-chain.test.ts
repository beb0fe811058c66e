import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registrySkip,
  startRegistry,
  type TestRegistry,
} from '../../../apps/gateway/src/testing/docker-registry.js';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from '../../../apps/gateway/src/testing/postgres-cluster.js';
import {
  BASE_IMAGE,
  cleanUp,
  DOCKER_TEST_TIMEOUT_MS,
  dockerScratch,
  hasDocker,
  managedContainers,
  stageSampleEnv,
} from './support/docker.js';
import {
  call,
  GATEWAY_BIN,
  type GatewayProcess,
  hud,
  newAdminKey,
  spawnHud,
  startGatewayProcess,
  startHudWorker,
  type WorkerProcess,
} from './support/gateway-cli.js';

// Issue 16's done-when chain, against real processes only: the gateway bin on a real PostgreSQL cluster
// with a real OCI registry, `hud deploy apps/sample-env` (a BuildKit build on the engine, pushed),
// `hud sync tasks`, three `hud worker --runtime docker` processes, and `hud eval sample-env-tasks oracle
// --all --group 20 --remote` following the job while one worker is SIGKILLed and another started. Every
// verdict is recorded once (100 traces, each completed once with reward 1) and no container is left.

const KEY = newAdminKey();
const GROUP = 20;
const TASKS = 5; // apps/sample-env/tasks.ts
const made: string[] = [];
const images: string[] = [];
let cluster: PostgresCluster | undefined;
let registry: TestRegistry | undefined;
let gateway: GatewayProcess | undefined;
let home = '';

const skip = !hasDocker || registrySkip() !== '' || postgresUnavailable() !== undefined;
const vars = () => ({ HUD_API_URL: gateway?.url ?? '', HUD_API_KEY: KEY });

const workers: WorkerProcess[] = [];

/** `hud worker --runtime docker --concurrency 2 --name <name>` from a folder with no env file. */
function startWorker(name: string): WorkerProcess {
  const cwd = path.join(home, `worker-${name}`);
  mkdirSync(cwd, { recursive: true });
  const worker = startHudWorker({ cwd, name, runtime: 'docker', home, vars: vars() });
  workers.push(worker);
  return worker;
}

/** Trace ids a worker's log shows leased (`… (trace <id>): running`) and not yet finished. */
function leasesInFlight(log: string): string[] {
  const running = new Set<string>();
  for (const match of log.matchAll(/\(trace ([0-9a-f]{32})(?:, attempt \d+)?\): (.*)$/gm)) {
    const [, traceId, state] = match;
    if (state === 'running') running.add(traceId as string);
    else running.delete(traceId as string);
  }
  return [...running];
}

interface TraceRow {
  id: string;
  status: string;
  reward: number | null;
  task_slug: string | null;
}

/** Every trace of a job, from the gateway's paged `/v2/jobs/{id}/traces`. */
async function jobTraces(jobId: string): Promise<TraceRow[]> {
  const reply = await call(gateway?.url ?? '', KEY, 'GET', `/v2/jobs/${jobId}/traces?limit=500`);
  expect(reply.status).toBe(200);
  const body = reply.body as TraceRow[] | { items: TraceRow[] };
  return Array.isArray(body) ? body : body.items;
}

describe.skipIf(skip)('issue 16 chain: PostgreSQL gateway, three docker workers, --remote', () => {
  beforeAll(async () => {
    const scratch = dockerScratch('hosted-chain');
    made.push(scratch);
    home = path.join(scratch, 'home');
    mkdirSync(home, { recursive: true });
    cluster = await startPostgresCluster();
    const databaseUrl = await cluster.createDatabase('hosted_chain');
    registry = await startRegistry();
    const dataDir = path.join(scratch, 'data');
    gateway = await startGatewayProcess(
      GATEWAY_BIN,
      [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--database-url',
        databaseUrl,
        '--registry',
        registry.address,
        '--lease-ttl',
        '6',
        '--log-level',
        'warn',
      ],
      { PATH: process.env.PATH ?? '', HOME: scratch, HUD_GATEWAY_BOOTSTRAP_KEY: KEY },
      dataDir,
    );
  }, DOCKER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null)
        worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await gateway?.stop();
    await registry?.stop();
    await cluster?.stop();
    await cleanUp(made, images);
  });

  it(
    'deploy, sync, and 100 hosted rollouts survive a SIGKILLed worker: each verdict once, no container left',
    async () => {
      // 1. hud deploy apps/sample-env (a copy): built on the engine, pushed to the registry.
      const envDir = stageSampleEnv('hosted-chain-env', made);
      const deployed = await hud(['deploy', envDir, '--build-arg', `BASE=${BASE_IMAGE}`], {
        home,
        vars: vars(),
        timeoutMs: DOCKER_TEST_TIMEOUT_MS / 2,
      });
      expect(deployed.code, `${deployed.stdout}\n${deployed.stderr}`).toBe(0);
      const version = /deployed 'sample-env' (v0\.1\.\d+)/.exec(deployed.stdout)?.[1];
      expect(version, deployed.stdout).toBeDefined();
      images.push(`${registry?.address}/sample-env:${version}`);

      // 2. hud sync tasks sample-env-tasks tasks.ts.
      const sync = await hud(['sync', 'tasks', 'sample-env-tasks', 'tasks.ts', '-y'], {
        home,
        vars: vars(),
        cwd: envDir,
        timeoutMs: 60_000,
      });
      expect(sync.code, `${sync.stdout}\n${sync.stderr}`).toBe(0);

      // 3. Three workers, then the job from a folder with no env file.
      const first = [startWorker('w1'), startWorker('w2'), startWorker('w3')];
      const clientDir = path.join(home, 'client');
      mkdirSync(clientDir, { recursive: true });
      const client = spawnHud(
        ['eval', 'sample-env-tasks', 'oracle', '--all', '--group', String(GROUP), '--remote'],
        { cwd: clientDir, home, vars: vars() },
      );

      // 4. Mid-job: once some rollouts are done and w1 holds a lease, SIGKILL w1 and start w4.
      let jobId: string | undefined;
      let inFlight: string[] = [];
      const deadline = Date.now() + DOCKER_TEST_TIMEOUT_MS / 2;
      for (;;) {
        jobId ??= /\/jobs\/([0-9a-f]{32})/.exec(client.stdout())?.[1];
        if (jobId) {
          const traces = await jobTraces(jobId);
          const done = traces.filter((trace) => trace.status === 'completed').length;
          inFlight = leasesInFlight(first[0]?.stderr() ?? '');
          if (done >= 10 && inFlight.length > 0) break;
        }
        if (Date.now() > deadline || client.child.exitCode !== null)
          throw new Error(`the job never got going:\n${client.stdout()}\n${client.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      first[0]?.child.kill('SIGKILL');
      await first[0]?.exited;
      inFlight = leasesInFlight(first[0]?.stderr() ?? '');
      expect(inFlight.length).toBeGreaterThan(0);
      const fourth = startWorker('w4');

      // 5. The job completes: 100 runs, every one graded 1.0.
      const code = await client.exited;
      expect(code, `${client.stdout()}\n${client.stderr()}\n${fourth.stderr()}`).toBe(0);
      expect(client.stdout()).toContain(`reward 1.000 over ${TASKS * GROUP} graded runs`);

      // Each verdict recorded once: 100 distinct traces, all completed with reward 1.
      const traces = await jobTraces(jobId as string);
      expect(traces).toHaveLength(TASKS * GROUP);
      expect(new Set(traces.map((trace) => trace.id)).size).toBe(TASKS * GROUP);
      for (const trace of traces) expect([trace.status, trace.reward]).toEqual(['completed', 1]);
      // What w1 held when it died finished on another worker as an infrastructure retry (attempt 2).
      const others = [first[1], first[2], fourth].map((worker) => worker?.stderr() ?? '').join('');
      for (const traceId of inFlight) {
        expect(others).toMatch(
          new RegExp(`\\(trace ${traceId}, attempt 2\\): completed, reward 1`),
        );
      }
      const jobs = await call(gateway?.url ?? '', KEY, 'GET', `/v2/jobs/${jobId}`);
      expect(jobs.status).toBe(200);

      // 6. Workers stopped: the killed worker's containers were reaped; none of the job's are left.
      for (const worker of [...first.slice(1), fourth]) {
        worker.child.kill('SIGTERM');
        expect(await worker.exited, worker.stderr()).toBe(0);
      }
      expect(await managedContainers({ 'hud.job': jobId as string })).toEqual([]);
      for (const worker of workers) expect(worker.stderr()).not.toContain(KEY);
    },
    DOCKER_TEST_TIMEOUT_MS * 2,
  );
});
