import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { Environment, serve } from '@hud/environment';
import { HudClient, type TaskRow } from '@hud/protocol';
import { E2BFake, EmulatedBackend } from '@hud/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_DIR, E2BRuntime, E2BRuntimeError, Labels, reapOrphans } from './index.js';

const KEY = 'e2b_test_key_0123456789';
const task = (overrides: Partial<TaskRow> = {}): TaskRow => ({
  env: 'count',
  id: 'count',
  slug: 'count-task',
  args: {},
  ...overrides,
});

let server: Awaited<ReturnType<typeof serve>>;
let backend: EmulatedBackend;
let fake: E2BFake;
const logs: string[] = [];
const logger = {
  debug: (line: string) => logs.push(line),
  warn: (line: string) => logs.push(line),
};

beforeAll(async () => {
  const env = new Environment({ name: 'count' });
  env.template({ id: 'count' }, async function* () {
    const answer = yield "How many a's in banana?";
    yield answer === '3' ? 1 : 0;
  });
  server = await serve(env, { port: 0 });
});
afterAll(async () => {
  await server.close();
});

const connection = () => ({
  apiKey: KEY,
  apiUrl: fake.url,
  sandboxUrl: fake.url,
  domain: 'example.com',
});

describe('E2BRuntime against the fake E2B control plane (real e2b SDK)', () => {
  beforeAll(async () => {
    backend = new EmulatedBackend(() => ({ host: '127.0.0.1', port: server.port }));
  });
  afterEach(async () => {
    await fake?.close();
  });

  it('creates a labelled sandbox from the template, bridges the control port, and kills it once released', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    await using provider = E2BRuntime({
      ...connection(),
      job: 'job-1',
      envVars: { SECRET_TOKEN: 'not-in-logs' },
      labels: { team: 'a' },
      logger,
    });
    const lease = await provider(
      task({
        runtime_config: {
          image: 'count-template',
          resources: { cpu: 2, memory_mb: 2048 },
          limits: { startup_timeout_s: 30, run_timeout_s: 600 },
        },
      }),
    );
    expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(lease.params).toEqual({
      provider: 'e2b',
      instance_id: lease.sandboxId,
      ready_timeout: 30,
    });
    const [sandbox] = fake.alive;
    expect(sandbox?.id).toBe(lease.sandboxId);
    expect(sandbox?.template).toBe('count-template');
    expect(sandbox?.timeoutS).toBe(600);
    expect(sandbox?.envVars).toEqual({ SECRET_TOKEN: 'not-in-logs' });
    expect(sandbox?.metadata).toMatchObject({
      team: 'a',
      [Labels.managed]: '1',
      [Labels.job]: 'job-1',
      [Labels.task]: 'count-task',
      [Labels.ownerPid]: String(process.pid),
    });
    const emulated = backend.sandboxes.find((record) => record.id === lease.sandboxId);
    expect([...(emulated?.files.keys() ?? [])]).toContain(`${BRIDGE_DIR}/bridge.cjs`);
    expect([...(emulated?.files.keys() ?? [])]).toContain(`${BRIDGE_DIR}/node_modules/ws/index.js`);
    expect(emulated?.commands).toEqual([
      ['/bin/bash', '-l', '-c', `node ${BRIDGE_DIR}/bridge.cjs 8766 8765`],
    ]);
    // A whole episode through the tunnel.
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    expect((await client.startTask('count', {})).prompt).toBe("How many a's in banana?");
    await client.close();
    expect(provider.sandboxes).toEqual([lease.sandboxId]);

    await Promise.all([lease.close(), lease.close()]);
    expect(fake.alive).toEqual([]);
    expect(provider.sandboxes).toEqual([]);
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(logs.join('\n')).toMatch(/ignoring runtime_config resources/);
    expect(logs.join('\n')).not.toMatch(/not-in-logs|e2b_test_key/);
  });

  it('retries a 429 and a 503 on create, then succeeds', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    fake.faults.push({ call: 'create', status: 429 }, { call: 'create', status: 503 });
    await using provider = E2BRuntime({
      ...connection(),
      template: 't',
      retry: { minTimeoutMs: 10 },
    });
    const lease = await provider(task());
    const creates = fake.requests.filter((r) => r.path === '/v2/sandboxes');
    expect(creates).toHaveLength(3);
    await lease.close();
    expect(fake.alive).toEqual([]);
  });

  it('gives up on a lasting 5xx with an error naming the call', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    for (let i = 0; i < 3; i++) fake.faults.push({ call: 'create', status: 500 });
    await using provider = E2BRuntime({
      ...connection(),
      template: 't',
      retry: { retries: 2, minTimeoutMs: 10 },
    });
    const error = await provider(task()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(E2BRuntimeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'vendor_error', call: 'Sandbox.create', status: 500 });
    expect((error as Error).message).toMatch(/^E2B Sandbox\.create failed: 500/);
    expect(fake.requests.filter((r) => r.path === '/v2/sandboxes')).toHaveLength(3);
  });

  it('maps 401 to unauthorized at once, without retrying and without the key in the message', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    await using provider = E2BRuntime({ ...connection(), apiKey: 'e2b_wrong_key', template: 't' });
    const error = (await provider(task()).catch((thrown: unknown) => thrown)) as E2BRuntimeError;
    expect(error).toMatchObject({ code: 'unauthorized', call: 'Sandbox.create' });
    expect(error.message).toMatch(/check E2B_API_KEY/);
    expect(error.message).not.toMatch(/e2b_wrong_key/);
    expect(fake.requests.filter((r) => r.path === '/v2/sandboxes')).toHaveLength(1);
  });

  it('retries a 5xx on kill and kills an already gone sandbox without complaint', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    await using provider = E2BRuntime({
      ...connection(),
      template: 't',
      retry: { minTimeoutMs: 10 },
    });
    const lease = await provider(task());
    fake.faults.push({ call: 'kill', status: 502 });
    await lease.close();
    expect(fake.alive).toEqual([]);
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
    const other = await provider(task());
    // Gone behind our back (E2B's own timeout): the kill's 404 counts as done.
    const entry = fake.sandboxes.get(other.sandboxId);
    if (entry) entry.killed = true;
    await expect(other.close()).resolves.toBeUndefined();
  });

  it('refuses rows it cannot honour and rows without a template, naming the task', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    await using provider = E2BRuntime(connection());
    await expect(provider(task())).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/no E2B template for task 'count-task'/),
    });
    await expect(
      provider(task({ runtime_config: { image: 't', resources: { gpu: { count: 1 } } } })),
    ).rejects.toMatchObject({ code: 'unsupported' });
    await expect(
      provider(task({ runtime_config: { image: 't', limits: { bogus: 1 } } })),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/limits\.bogus/),
    });
    expect(fake.requests).toEqual([]);
  });

  it('kills the sandbox and reports not_ready when hello never answers', async () => {
    const silent = new EmulatedBackend(() => ({ host: '127.0.0.1', port: 1 }));
    fake = await E2BFake.start({ apiKey: KEY, backend: silent });
    await using provider = E2BRuntime({ ...connection(), template: 't', readyTimeoutMs: 1_500 });
    const error = (await provider(task()).catch((thrown: unknown) => thrown)) as E2BRuntimeError;
    expect(error).toMatchObject({ code: 'not_ready' });
    expect(error.message).toMatch(/did not answer hello on port 8765/);
    expect(fake.alive).toEqual([]);
    expect(silent.sandboxes[0]?.removed).toBe(true);
  });

  it('close() kills every leased sandbox and refuses later acquisitions', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    const provider = E2BRuntime({ ...connection(), template: 't' });
    await Promise.all([provider(task()), provider(task())]);
    expect(fake.alive).toHaveLength(2);
    await Promise.all([provider.close(), provider.close()]);
    expect(fake.alive).toEqual([]);
    await expect(provider(task())).rejects.toMatchObject({ code: 'closed' });
  });

  it('reapOrphans kills the sandboxes of a dead hud process on this host, and only those', async () => {
    fake = await E2BFake.start({ apiKey: KEY, backend });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const create = (metadata: Record<string, string>) =>
      fetch(`${fake.url}/v2/sandboxes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: JSON.stringify({ templateID: 't', metadata }),
      }).then(async (response) => ((await response.json()) as { sandboxID: string }).sandboxID);
    const owner = { [Labels.managed]: '1', [Labels.ownerHost]: hostname() };
    const orphan = await create({
      ...owner,
      [Labels.ownerPid]: String(deadPid),
      [Labels.job]: 'old-job',
    });
    await using provider = E2BRuntime({ ...connection(), template: 't' });
    const live = await provider(task());
    const elsewhere = await create({
      ...owner,
      [Labels.ownerHost]: 'other-host',
      [Labels.ownerPid]: String(deadPid),
    });
    const reaped = await reapOrphans(connection());
    expect(reaped).toEqual({ removed: [orphan], jobs: ['old-job'] });
    expect(fake.alive.map((sandbox) => sandbox.id).sort()).toEqual(
      [live.sandboxId, elsewhere].sort(),
    );
  });

  it('fails fast with the last output lines when the bridge cannot start (no node in the template)', async () => {
    const broken = new EmulatedBackend(
      () => ({ host: '127.0.0.1', port: 1 }),
      (argv) =>
        argv.at(-1)?.includes('bridge.cjs')
          ? { output: 'bash: line 1: node: command not found\n', exitCode: 127 }
          : undefined,
    );
    fake = await E2BFake.start({ apiKey: KEY, backend: broken });
    await using provider = E2BRuntime({ ...connection(), template: 't', readyTimeoutMs: 120_000 });
    const error = (await provider(task()).catch((thrown: unknown) => thrown)) as E2BRuntimeError;
    expect(E2BRuntimeError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/the WebSocket bridge in E2B sandbox \S+ ended \(/);
    expect(error).toMatchObject({ code: 'not_ready', phase: 'provisioning' });
    expect(error.output).toContain('node: command not found');
    expect(error.message).toContain('--- last output lines of the sandbox ---');
    expect(fake.alive).toEqual([]);
  });

  it('kills the sandbox when the acquisition is aborted (Ctrl-C) while it waits for hello', async () => {
    const silent = new EmulatedBackend(() => ({ host: '127.0.0.1', port: 1 }));
    fake = await E2BFake.start({ apiKey: KEY, backend: silent });
    await using provider = E2BRuntime({ ...connection(), template: 't', readyTimeoutMs: 120_000 });
    const controller = new AbortController();
    const reason = new Error('interrupted');
    const pending = provider(task(), { signal: controller.signal });
    while (silent.sandboxes.every((sandbox) => sandbox.commands.length === 0)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(fake.alive).toEqual([]);
    expect(provider.sandboxes).toEqual([]);
  });
});
