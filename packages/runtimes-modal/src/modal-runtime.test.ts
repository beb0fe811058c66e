import { Environment, serve } from '@hud/environment';
import { HudClient, type TaskRow } from '@hud/protocol';
import { EmulatedBackend, GrpcStatus, ModalFake } from '@hud/testing';
import { ModalClient } from 'modal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels, ModalRuntime, type ModalRuntimeError } from './index.js';

const task = (overrides: Partial<TaskRow> = {}): TaskRow => ({
  env: 'count',
  id: 'count',
  slug: 'count-task',
  args: {},
  ...overrides,
});

let server: Awaited<ReturnType<typeof serve>>;
let backend: EmulatedBackend;
const clients: ModalClient[] = [];
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as ModalRuntimeError,
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
  for (const client of clients) client.close();
  await server.close();
});

/** The real Modal client over the fake's control-plane client. */
function clientOf(fake: ModalFake): ModalClient {
  const client = new ModalClient({
    tokenId: 'ak-test',
    tokenSecret: 'as-test',
    cpClient: fake.cpClient as ModalClient['cpClient'],
  });
  clients.push(client);
  return client;
}

describe('ModalRuntime against the fake Modal control plane (real modal SDK, injected client)', () => {
  it('creates a tagged, sized sandbox with an unencrypted tunnel, runs hello over it, and terminates it once released', async () => {
    const fake = new ModalFake({ backend });
    await using provider = ModalRuntime({
      client: clientOf(fake),
      job: 'job-1',
      envVars: { SECRET_TOKEN: 'not-in-logs' },
    });
    const lease = await provider(
      task({
        runtime_config: {
          image: 'example.com/count:1',
          resources: { cpu: 2, memory_mb: 1536 },
          limits: { startup_timeout_s: 30, run_timeout_s: 600 },
        },
      }),
    );
    expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(lease.params).toEqual({
      provider: 'modal',
      instance_id: lease.sandboxId,
      ready_timeout: 30,
    });
    const [sandbox] = fake.alive;
    expect(sandbox?.image).toBe('example.com/count:1');
    expect(sandbox?.definition).toMatchObject({
      timeoutSecs: 600,
      resources: { milliCpu: 2000, memoryMb: 1536 },
      openPorts: { ports: [expect.objectContaining({ port: 8765, unencrypted: true })] },
    });
    expect(sandbox?.tags).toMatchObject({
      [Labels.managed]: '1',
      [Labels.job]: 'job-1',
      [Labels.task]: 'count-task',
    });
    const methods = fake.calls.map((call) => call.method);
    expect(methods).toContain('appGetOrCreate');
    expect(fake.calls.find((call) => call.method === 'appGetOrCreate')?.request).toMatchObject({
      appName: 'hud-envs',
    });
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    expect((await client.startTask('count', {})).prompt).toBe("How many a's in banana?");
    await client.close();

    await Promise.all([lease.close(), lease.close()]);
    expect(fake.alive).toEqual([]);
    expect(provider.sandboxes).toEqual([]);
    expect(fake.calls.filter((call) => call.method.startsWith('sandboxTerminate'))).toHaveLength(1);
    expect(JSON.stringify(fake.calls)).not.toContain('as-test');
  });

  it('retries RESOURCE_EXHAUSTED and UNAVAILABLE on create, then succeeds', async () => {
    const fake = new ModalFake({ backend });
    fake.faults.push(
      { method: 'sandboxCreateV2', code: GrpcStatus.RESOURCE_EXHAUSTED },
      { method: 'sandboxCreateV2', code: GrpcStatus.UNAVAILABLE },
    );
    await using provider = ModalRuntime({
      client: clientOf(fake),
      image: 'img',
      retry: { minTimeoutMs: 10 },
    });
    const lease = await provider(task());
    expect(fake.calls.filter((call) => call.method === 'sandboxCreateV2')).toHaveLength(3);
    await lease.close();
    expect(fake.alive).toEqual([]);
  });

  it('gives up on a lasting INTERNAL with an error naming the call', async () => {
    const fake = new ModalFake({ backend });
    for (let i = 0; i < 3; i++)
      fake.faults.push({ method: 'sandboxCreateV2', code: GrpcStatus.INTERNAL });
    await using provider = ModalRuntime({
      client: clientOf(fake),
      image: 'img',
      retry: { retries: 2, minTimeoutMs: 10 },
    });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'vendor_error', call: 'sandboxes.create', status: 500 });
    expect(error.message).toMatch(/^Modal sandboxes\.create failed/);
  });

  it('maps UNAUTHENTICATED to unauthorized at once', async () => {
    const fake = new ModalFake({ backend });
    fake.faults.push({ method: 'appGetOrCreate', code: GrpcStatus.UNAUTHENTICATED });
    await using provider = ModalRuntime({ client: clientOf(fake), image: 'img' });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'unauthorized', call: 'apps.fromName' });
    expect(error.message).toMatch(/check MODAL_TOKEN_ID and MODAL_TOKEN_SECRET/);
    expect(fake.calls.filter((call) => call.method === 'appGetOrCreate')).toHaveLength(1);
  });

  it('retries UNAVAILABLE on terminate; close() terminates every sandbox and refuses later acquisitions', async () => {
    const fake = new ModalFake({ backend });
    const provider = ModalRuntime({
      client: clientOf(fake),
      image: 'img',
      retry: { minTimeoutMs: 10 },
    });
    await Promise.all([provider(task()), provider(task())]);
    fake.faults.push({ method: 'sandboxTerminateV2', code: GrpcStatus.UNAVAILABLE });
    await Promise.all([provider.close(), provider.close()]);
    expect(fake.alive).toEqual([]);
    await expect(provider(task())).rejects.toMatchObject({ code: 'closed' });
  });

  it('reports not_ready and terminates the sandbox when hello never answers', async () => {
    const fake = new ModalFake({
      backend: new EmulatedBackend(() => ({ host: '127.0.0.1', port: 1 })),
    });
    await using provider = ModalRuntime({
      client: clientOf(fake),
      image: 'img',
      readyTimeoutMs: 1_500,
    });
    const error = await failure(provider(task()));
    expect(error).toMatchObject({ code: 'not_ready' });
    expect(error.message).toMatch(/did not answer hello on port 8765/);
    expect(fake.alive).toEqual([]);
  });
});
