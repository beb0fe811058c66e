import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { Environment, serve } from '@hud/environment';
import { HudClient, type TaskRow } from '@hud/protocol';
import { DaytonaFake, EmulatedBackend } from '@hud/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DaytonaRuntime,
  type DaytonaRuntimeError,
  Labels,
  reapOrphans,
  sshEndpoint,
} from './index.js';

const KEY = 'dtn_test_key_0123456789';
const task = (overrides: Partial<TaskRow> = {}): TaskRow => ({
  env: 'count',
  id: 'count',
  slug: 'count-task',
  args: {},
  ...overrides,
});

let server: Awaited<ReturnType<typeof serve>>;
let backend: EmulatedBackend;
let fake: DaytonaFake | undefined;
const logs: string[] = [];
const logger = {
  debug: (line: string) => logs.push(line),
  warn: (line: string) => logs.push(line),
};
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as DaytonaRuntimeError,
  );

beforeAll(async () => {
  const env = new Environment({ name: 'count' });
  env.template({ id: 'count' }, async function* () {
    const answer = yield "How many a's in banana?";
    yield answer === '3' ? 1 : 0;
  });
  server = await serve(env, { port: 0 });
  backend = new EmulatedBackend(() => ({ host: '127.0.0.1', port: server.port }));
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const start = async (faultBackend = backend) => {
  fake = await DaytonaFake.start({ apiKey: KEY, backend: faultBackend });
  return fake;
};

describe('sshEndpoint', () => {
  it("reads the host and port of Daytona's sshCommand", () => {
    expect(sshEndpoint('ssh tok@ssh.app.daytona.io')).toEqual({
      host: 'ssh.app.daytona.io',
      port: 22,
    });
    expect(sshEndpoint('ssh -p 2222 tok@127.0.0.1')).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(sshEndpoint('no command')).toBeUndefined();
  });
});

describe('DaytonaRuntime against the fake Daytona API and SSH gateway (real @daytonaio/sdk, real ssh2)', () => {
  it('creates a labelled, sized sandbox from the image, forwards the control port over SSH, and deletes it once released', async () => {
    const daytona = await start();
    await using provider = DaytonaRuntime({
      apiKey: KEY,
      apiUrl: daytona.url,
      job: 'job-1',
      envVars: { SECRET_TOKEN: 'not-in-logs' },
      logger,
    });
    const lease = await provider(
      task({
        runtime_config: {
          image: 'example.com/count:1',
          resources: { cpu: 2, memory_mb: 1536, storage_mb: 4096 },
          limits: { startup_timeout_s: 30, run_timeout_s: 600 },
        },
      }),
    );
    expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(lease.params).toEqual({
      provider: 'daytona',
      instance_id: lease.sandboxId,
      ready_timeout: 30,
    });
    const [sandbox] = daytona.alive;
    expect(sandbox?.image).toBe('example.com/count:1');
    expect(sandbox?.request).toMatchObject({
      env: { SECRET_TOKEN: 'not-in-logs' },
      cpu: 2,
      memory: 2,
      disk: 4,
      ttlMinutes: 10,
      autoDeleteInterval: 0,
      labels: { [Labels.managed]: '1', [Labels.job]: 'job-1', [Labels.task]: 'count-task' },
    });
    expect(sandbox?.commands.map((command) => command.command)).toEqual([
      'cd /app && node server.mjs',
    ]);
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    expect((await client.startTask('count', {})).prompt).toBe("How many a's in banana?");
    await client.close();
    expect(daytona.forwards.every((forward) => forward.port === 8765)).toBe(true);
    expect(daytona.forwards.length).toBeGreaterThan(0);

    await Promise.all([lease.close(), lease.close()]);
    expect(daytona.alive).toEqual([]);
    expect(provider.sandboxes).toEqual([]);
    expect(daytona.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(logs.join('\n')).not.toMatch(/not-in-logs|dtn_test_key/);
  });

  it('retries a 429 and a 503 on create, then succeeds', async () => {
    const daytona = await start();
    daytona.faults.push({ call: 'create', status: 429 }, { call: 'create', status: 503 });
    await using provider = DaytonaRuntime({
      apiKey: KEY,
      apiUrl: daytona.url,
      image: 'img',
      retry: { minTimeoutMs: 10 },
    });
    const lease = await provider(task());
    expect(
      daytona.requests.filter((r) => r.path === '/sandbox' && r.method === 'POST'),
    ).toHaveLength(3);
    await lease.close();
    expect(daytona.alive).toEqual([]);
  });

  it('gives up on a lasting 5xx with an error naming the call', async () => {
    const daytona = await start();
    for (let i = 0; i < 3; i++) daytona.faults.push({ call: 'create', status: 500 });
    await using provider = DaytonaRuntime({
      apiKey: KEY,
      apiUrl: daytona.url,
      image: 'img',
      retry: { retries: 2, minTimeoutMs: 10 },
    });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'vendor_error', call: 'daytona.create', status: 500 });
    expect(error.message).toMatch(/^Daytona daytona\.create failed/);
  });

  it('maps 401 to unauthorized at once, without the key in the message', async () => {
    const daytona = await start();
    await using provider = DaytonaRuntime({
      apiKey: 'dtn_wrong',
      apiUrl: daytona.url,
      image: 'img',
    });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'unauthorized', call: 'daytona.create' });
    expect(error.message).toMatch(/check DAYTONA_API_KEY/);
    expect(error.message).not.toMatch(/dtn_wrong/);
    expect(daytona.requests.filter((r) => r.path === '/sandbox')).toHaveLength(1);
  });

  it('deletes the sandbox when SSH access fails, naming the call and the sandbox', async () => {
    const daytona = await start();
    daytona.faults.push({ call: 'ssh-access', status: 403 });
    await using provider = DaytonaRuntime({ apiKey: KEY, apiUrl: daytona.url, image: 'img' });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'unauthorized', call: 'sandbox.createSshAccess' });
    expect(error.message).toContain(`sandbox ${error.sandboxId}`);
    expect(daytona.alive).toEqual([]);
  });

  it('retries a 5xx on delete; close() deletes every sandbox and refuses later acquisitions', async () => {
    const daytona = await start();
    const provider = DaytonaRuntime({
      apiKey: KEY,
      apiUrl: daytona.url,
      image: 'img',
      retry: { minTimeoutMs: 10 },
    });
    await Promise.all([provider(task()), provider(task())]);
    daytona.faults.push({ call: 'delete', status: 502 });
    await Promise.all([provider.close(), provider.close()]);
    expect(daytona.alive).toEqual([]);
    await expect(provider(task())).rejects.toMatchObject({ code: 'closed' });
  });

  it('reports not_ready and deletes the sandbox when hello never answers', async () => {
    const daytona = await start(new EmulatedBackend(() => ({ host: '127.0.0.1', port: 1 })));
    await using provider = DaytonaRuntime({
      apiKey: KEY,
      apiUrl: daytona.url,
      image: 'img',
      readyTimeoutMs: 1_500,
    });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'not_ready' });
    expect(error.message).toMatch(/did not answer hello on port 8765/);
    expect(daytona.alive).toEqual([]);
  });

  it('reapOrphans deletes the sandboxes of a dead hud process on this host, and only those', async () => {
    const daytona = await start();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const create = (labels: Record<string, string>) =>
      fetch(`${daytona.url}/sandbox`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ buildInfo: { dockerfileContent: 'FROM img' }, labels }),
      }).then(async (response) => ((await response.json()) as { id: string }).id);
    const owner = { [Labels.managed]: '1', [Labels.ownerHost]: hostname() };
    const orphan = await create({
      ...owner,
      [Labels.ownerPid]: String(deadPid),
      [Labels.job]: 'old-job',
    });
    const elsewhere = await create({
      ...owner,
      [Labels.ownerHost]: 'other-host',
      [Labels.ownerPid]: String(deadPid),
    });
    await using provider = DaytonaRuntime({ apiKey: KEY, apiUrl: daytona.url, image: 'img' });
    const live = await provider(task());
    const reaped = await reapOrphans({ apiKey: KEY, apiUrl: daytona.url });
    expect(reaped).toEqual({ removed: [orphan], jobs: ['old-job'] });
    expect(daytona.alive.map((sandbox) => sandbox.id).sort()).toEqual(
      [live.sandboxId, elsewhere].sort(),
    );
  });

  it("puts the environment command's last output lines in the error when it never serves", async () => {
    const crashing = new EmulatedBackend(
      () => ({ host: '127.0.0.1', port: 1 }),
      () => ({ output: 'Error: Cannot find module /app/server.mjs\n', exitCode: 1 }),
    );
    const daytona = await start(crashing);
    await using provider = DaytonaRuntime({
      apiKey: KEY,
      apiUrl: daytona.url,
      image: 'img',
      readyTimeoutMs: 1_500,
    });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'not_ready' });
    expect(error.output).toContain('Cannot find module /app/server.mjs');
    expect(error.message).toContain('--- last output lines of the sandbox ---');
    expect(daytona.alive).toEqual([]);
  });
});
