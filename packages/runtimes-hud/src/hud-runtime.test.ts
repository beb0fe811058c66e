import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Environment, serve } from '@hud/environment';
import { type Gateway, startGateway } from '@hud/gateway';
import { HudClient, type TaskRow } from '@hud/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HudRuntimeError } from './errors.js';
import { HudRuntime } from './hud-runtime.js';
import { type FakeWorker, fakeWorker } from './testing/fake-worker.js';

const KEY = 'hud_runtime_hud_test_admin_key_0123456789';
let dir: string;
let gateway: Gateway;
const workers: FakeWorker[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hud-runtimes-hud-'));
  gateway = await startGateway({ port: 0, dataDir: dir, bootstrapKey: KEY, logLevel: 'silent' });
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});
afterAll(async () => {
  await gateway?.close();
  await rm(dir, { recursive: true, force: true });
});

const row = (env: string, extra: Partial<TaskRow> = {}): TaskRow => ({
  env,
  id: 'count',
  slug: `count-${env}`,
  args: {},
  ...extra,
});

/** A worker serving a real environment (`count`: how many 'a's in banana) from an in-process control server. */
function countingWorker(beforeReady?: () => Promise<void>): FakeWorker {
  const worker = fakeWorker({
    url: gateway.url,
    key: KEY,
    start: async (name) => {
      const env = new Environment({ name });
      env.template({ id: 'count' }, async function* () {
        const answer = yield "How many a's in banana?";
        yield answer === '3' ? 1 : 0;
      });
      const server = await serve(env, { port: 0 });
      return { port: server.port, stop: () => server.close() };
    },
    ...(beforeReady ? { beforeReady } : {}),
  });
  workers.push(worker);
  return worker;
}

/** The gateway's live sessions of the test key's team. */
async function liveSessions(): Promise<{ id: string; status: string; environment: string }[]> {
  const response = await fetch(`${gateway.url}/runtime/sessions`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  return ((await response.json()) as { sessions: never[] }).sessions;
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(20);
}

describe('HudRuntime', () => {
  it('leases a local port tunnelled to a worker, a real client runs a task through it, release deletes the session', async () => {
    const worker = countingWorker();
    await using provider = HudRuntime({ apiKey: KEY, runtimeUrl: `${gateway.url}/` });
    {
      await using lease = await provider(row('counting'));
      expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(lease.params).toEqual({
        session_id: lease.sessionId,
        gateway_url: gateway.url,
        ready_timeout: 300,
      });
      expect(await liveSessions()).toMatchObject([
        { id: lease.sessionId, environment: 'counting' },
      ]);
      await using client = await HudClient.connect(lease);
      expect(client.manifest?.env.name).toBe('counting');
      await client.startTask('count');
      expect((await client.grade({ answer: '3' })).score).toBe(1);
      expect(provider.leased).toBe(1);
    }
    expect(provider.leased).toBe(0);
    expect(await liveSessions()).toEqual([]);
    await until(() => worker.stopped === 1);
    expect(worker.started).toBe(1);
  });

  it("sends the rollout's trace id (ProvideOptions.traceId) as the session's trace_id", async () => {
    countingWorker();
    await using provider = HudRuntime({ apiKey: KEY, runtimeUrl: gateway.url });
    const traceId = '0123456789abcdef'.repeat(2);
    await using lease = await provider(row('counting'), { traceId });
    const [session] = (await liveSessions()) as { id: string; trace_id?: string | null }[];
    expect(session).toMatchObject({ id: lease.sessionId, trace_id: traceId });
  });

  it('the lease is handed out once a worker made the session ready', async () => {
    let letReady: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      letReady = resolve;
    });
    await using provider = HudRuntime({ apiKey: KEY, runtimeUrl: gateway.url });
    let leased = false;
    const acquiring = provider(row('slow')).then((lease) => {
      leased = true;
      return lease;
    });
    const worker = countingWorker(() => held);
    await until(() => worker.started === 1);
    expect((await liveSessions())[0]?.status).toBe('starting');
    expect(leased).toBe(false);
    letReady();
    await using lease = await acquiring;
    await using client = await HudClient.connect(lease);
    await client.startTask('count');
    expect((await client.grade({ answer: '3' })).score).toBe(1);
  });

  it('where the runtime cannot tell readiness (no GET route, as the hosted platform), the client waits in the tunnel', async () => {
    const noStatus: typeof fetch = (input, init) =>
      (init?.method ?? 'GET') === 'GET'
        ? Promise.resolve(new Response('{"detail":"Not Found"}', { status: 404 }))
        : fetch(input, init);
    let letReady: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      letReady = resolve;
    });
    await using provider = HudRuntime({ apiKey: KEY, runtimeUrl: gateway.url, fetch: noStatus });
    await using lease = await provider(row('unknowable'));
    const connecting = HudClient.connect(lease);
    const worker = countingWorker(() => held);
    await until(() => worker.started === 1);
    letReady();
    await using client = await connecting;
    await client.startTask('count');
    expect((await client.grade({ answer: '3' })).score).toBe(1);
  });

  it("a session whose worker cannot start the environment fails the acquisition with the worker's reason", async () => {
    workers.push(
      fakeWorker({
        url: gateway.url,
        key: KEY,
        start: async (name) => {
          throw new Error(`no env file declares environment '${name}'`);
        },
      }),
    );
    await using provider = HudRuntime({ apiKey: KEY, runtimeUrl: gateway.url });
    await expect(provider(row('missing-env'))).rejects.toMatchObject({
      code: 'session_ended',
      message: expect.stringMatching(
        /ended before it was ready: worker fake-\d+ could not start environment 'missing-env': Error: no env file declares environment 'missing-env'/,
      ),
    });
    expect(provider.leased).toBe(0);
  });

  it("the worker's loss closes the tunnel and aborts the lease's signal, naming why; release is idempotent", async () => {
    const worker = countingWorker();
    const deletes: string[] = [];
    const counting: typeof fetch = (input, init) => {
      if (init?.method === 'DELETE') deletes.push(String(input));
      return fetch(input, init);
    };
    await using provider = HudRuntime({ apiKey: KEY, runtimeUrl: gateway.url, fetch: counting });
    const lease = await provider(row('lost'));
    // A raw TCP connection through the tunnel: it closes when the session ends.
    await until(() => worker.controls.size === 1);
    await until(async () => (await liveSessions())[0]?.status === 'ready');
    const socket = net.connect(Number(new URL(lease.url.replace('tcp', 'http')).port), '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('{"jsonrpc":"2.0","id":1,"method":"hello","params":{}}\n');
    await new Promise((resolve) => socket.once('data', resolve));
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    for (const control of worker.controls.values()) control.terminate();
    await socketClosed;
    await until(() => lease.signal?.aborted === true);
    expect(lease.signal?.reason).toBeInstanceOf(HudRuntimeError);
    expect(lease.signal?.reason.code).toBe('session_ended');
    expect(lease.signal?.reason.message).toMatch(/worker fake-\d+ lost/);
    await lease[Symbol.asyncDispose]();
    await lease[Symbol.asyncDispose]();
    expect(deletes).toEqual([`${gateway.url}/runtime/sessions/${lease.sessionId}`]);
  });

  it('failures name the URL: a wrong key (401), not a runtime URL (404), a 503, nothing listening', async () => {
    const wrongKey = HudRuntime({ apiKey: 'hud_wrong_key_000000000000', runtimeUrl: gateway.url });
    await expect(wrongKey(row('e'))).rejects.toMatchObject({
      code: 'unauthorized',
      status: 401,
      message: expect.stringContaining(`POST ${gateway.url}/runtime/sessions answered 401`),
    });
    const notRuntime = HudRuntime({ apiKey: KEY, runtimeUrl: `${gateway.url}/nothing-here` });
    await expect(notRuntime(row('e'))).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(
        /nothing-here\/runtime\/sessions answered 404.*HUD_RUNTIME_URL/,
      ),
    });
    const unavailable = http.createServer((_request, response) => {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end('{"detail":"down for maintenance"}');
    });
    await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve));
    const port = (unavailable.address() as AddressInfo).port;
    try {
      const provider = HudRuntime({ apiKey: KEY, runtimeUrl: `http://127.0.0.1:${port}` });
      await expect(provider(row('e'))).rejects.toMatchObject({
        code: 'unavailable',
        status: 503,
        message: `POST http://127.0.0.1:${port}/runtime/sessions answered 503: down for maintenance`,
      });
    } finally {
      await new Promise((resolve) => unavailable.close(resolve));
    }
    const nobody = HudRuntime({ apiKey: KEY, runtimeUrl: `http://127.0.0.1:${port}` });
    await expect(nobody(row('e'))).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining(`POST http://127.0.0.1:${port}/runtime/sessions failed`),
    });
    expect(() => HudRuntime({ apiKey: ' ', runtimeUrl: gateway.url })).toThrow(/API key/);
    expect(() => HudRuntime({ apiKey: KEY, runtimeUrl: 'ftp://x' })).toThrow(/http\(s\)/);
  });

  it('refuses GPU/OS/TPU/limits rows before creating a session; ignores cpu/memory with one warning', async () => {
    const warnings: string[] = [];
    await using provider = HudRuntime({
      apiKey: KEY,
      runtimeUrl: gateway.url,
      logger: { debug: () => {}, warn: (line) => warnings.push(line) },
    });
    await expect(
      provider(row('gpu', { runtime_config: { resources: { gpu: { count: 1 } } } })),
    ).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringContaining('resources.gpu'),
    });
    await expect(
      provider(row('limits', { runtime_config: { limits: { run_timeout_s: 60 } } })),
    ).rejects.toMatchObject({ code: 'unsupported', message: expect.stringContaining('limits') });
    expect(await liveSessions()).toEqual([]);
    countingWorker();
    for (let i = 0; i < 2; i++) {
      await using lease = await provider(row('cpu', { runtime_config: { resources: { cpu: 2 } } }));
      expect(lease.sessionId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(warnings).toEqual([expect.stringContaining('ignores runtime_config resources cpu')]);
    await provider.close();
    await expect(provider(row('after'))).rejects.toMatchObject({ code: 'closed' });
  });
});
