import type { Provider } from '@hud/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { platformUrls } from '../platform/urls.js';
import { type FakeGateway, fakeLease, startFakeGateway } from './__fixtures__/fake-gateway.js';
import { runLease } from './run-lease.js';
import type { Substrate } from './substrate.js';
import { WorkerClient } from './worker-client.js';
import { Worker } from './worker-loop.js';

// The loop against a fake of the gateway's worker routes over real HTTP on 127.0.0.1, with the real
// WorkerClient and runLease; only the substrate is a stand-in (its provider never finishes provisioning
// until the rollout is aborted, like an environment still starting).

const gateways: FakeGateway[] = [];
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

/** A provider that provisions until its signal aborts, counting its calls. */
function blockingProvider(): Provider & { calls: number } {
  const provider = ((_task, options) => {
    provider.calls++;
    return new Promise((_resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }) as Provider & { calls: number };
  provider.calls = 0;
  return provider;
}

function substrateOf(provider: Provider): Substrate & { closed: number } {
  const substrate = {
    runtime: 'local' as const,
    closed: 0,
    forLease: async () => ({
      provider,
      close: async () => {
        substrate.closed++;
      },
    }),
    isMissingImage: () => false,
    reapOrphans: async () => ({ removed: [] }),
    close: async () => {},
  };
  return substrate;
}

async function startWorker(gateway: FakeGateway, provider: Provider, concurrency = 2) {
  const lines: string[] = [];
  const substrate = substrateOf(provider);
  const urls = platformUrls({ HUD_API_URL: gateway.url });
  const worker = new Worker({
    calls: new WorkerClient(gateway.url, 'hud_worker_key', {
      workerId: 'w'.repeat(32),
      name: 'test-worker',
      runtimes: ['local'],
    }),
    concurrency,
    waitS: 0,
    backoff: { minMs: 20, maxMs: 50 },
    log: (line) => lines.push(line),
    run: (lease, signal) => runLease({ lease, substrate, urls, signal }),
  });
  workers.push(worker);
  const running = worker.run();
  return { worker, lines, substrate, running };
}

describe('hud worker loop', () => {
  it('claims up to its free capacity with its runtimes', async () => {
    const gateway = await startFakeGateway();
    gateways.push(gateway);
    await startWorker(gateway, blockingProvider(), 3);
    await vi.waitFor(() => expect(gateway.claims.length).toBeGreaterThan(0));
    expect(gateway.claims[0]).toMatchObject({ capacity: 3, runtimes: ['local'] });
  });

  it('heartbeat `cancelled` aborts the rollout, uploads its spans with the lease key and completes it cancelled', async () => {
    const gateway = await startFakeGateway();
    gateways.push(gateway);
    const provider = blockingProvider();
    const lease = fakeLease(1);
    gateway.queue.push(lease);
    const { lines } = await startWorker(gateway, provider);
    await vi.waitFor(() => expect(provider.calls).toBe(1));
    await vi.waitFor(() => expect(gateway.heartbeats.flat()).toContain(lease.lease_id));
    gateway.states.set(lease.lease_id, 'cancelled');
    await vi.waitFor(() => expect(gateway.completes).toHaveLength(1), { timeout: 10_000 });
    expect(gateway.completes[0]).toMatchObject({ lease_id: lease.lease_id, status: 'cancelled' });
    expect(gateway.completes[0]?.retry).toBeUndefined();
    expect(gateway.uploads.map((upload) => upload.traceId)).toContain(lease.trace_id);
    expect(gateway.uploads[0]?.authorization).toBe(`Bearer ${lease.key}`);
    expect(lines.join('\n')).not.toContain(lease.key);
    // The DEBUG lines go with the spans: the worker's claim, the rollout's phases, its end.
    const phases = gateway.traceLines
      .filter((upload) => upload.traceId === lease.trace_id)
      .flatMap((upload) => upload.body.events.map((event) => event.phase));
    expect(phases[0]).toBe('claimed');
    expect(phases).toContain('acquire');
    expect(phases.at(-1)).toBe('end');
  });

  it('heartbeat `lost` aborts the rollout and drops its result (no completion, no spans)', async () => {
    const gateway = await startFakeGateway();
    gateways.push(gateway);
    const provider = blockingProvider();
    const lease = fakeLease(2);
    gateway.queue.push(lease);
    const { lines, substrate } = await startWorker(gateway, provider);
    await vi.waitFor(() => expect(provider.calls).toBe(1));
    gateway.states.set(lease.lease_id, 'lost');
    await vi.waitFor(
      () => expect(lines.join('\n')).toContain('result dropped (the lease was lost)'),
      {
        timeout: 10_000,
      },
    );
    await vi.waitFor(() => expect(substrate.closed).toBe(1));
    expect(gateway.completes).toEqual([]);
    expect(gateway.uploads).toEqual([]);
  });

  it('a 409 on complete drops the result once, and the worker claims on', async () => {
    const gateway = await startFakeGateway();
    gateways.push(gateway);
    // An agent no worker knows: the rollout ends at once with an error verdict.
    const lease = fakeLease(3, {
      rollout: { ...fakeLease(3).rollout, agent: { type: 'no-such-agent', config: {} } },
    });
    gateway.queue.push(lease);
    gateway.lost.add(lease.lease_id);
    const { lines } = await startWorker(gateway, blockingProvider());
    await vi.waitFor(() =>
      expect(lines.join('\n')).toContain('result dropped (the gateway answered lease_lost)'),
    );
    expect(gateway.completes).toHaveLength(1);
    expect(gateway.completes[0]).toMatchObject({ status: 'error' });
    expect(String(gateway.completes[0]?.error)).toContain("unknown agent 'no-such-agent'");
    const claims = gateway.claims.length;
    await vi.waitFor(() => expect(gateway.claims.length).toBeGreaterThan(claims));
    expect(gateway.completes).toHaveLength(1);
  });

  it('a substrate that fails to start gives the lease back (retry: true)', async () => {
    const gateway = await startFakeGateway();
    gateways.push(gateway);
    const failing: Provider = async () => {
      throw new Error('engine refused to start the container');
    };
    const lease = fakeLease(4);
    gateway.queue.push(lease);
    await startWorker(gateway, failing);
    await vi.waitFor(() => expect(gateway.completes).toHaveLength(1), { timeout: 10_000 });
    expect(gateway.completes[0]).toMatchObject({ lease_id: lease.lease_id, retry: true });
    expect(String(gateway.completes[0]?.error)).toContain('engine refused to start the container');
    expect(gateway.uploads).toEqual([]);
  });

  it('stop() stops claiming and gives every running lease back with retry: true', async () => {
    const gateway = await startFakeGateway();
    gateways.push(gateway);
    const provider = blockingProvider();
    gateway.queue.push(fakeLease(5), fakeLease(6));
    const { worker, running, substrate } = await startWorker(gateway, provider);
    await vi.waitFor(() => expect(provider.calls).toBe(2));
    await worker.stop();
    await running;
    const claims = gateway.claims.length;
    expect(gateway.completes.map((body) => [body.lease_id, body.retry]).sort()).toEqual([
      ['lease-5', true],
      ['lease-6', true],
    ]);
    expect(substrate.closed).toBe(2);
    expect(worker.running).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gateway.claims.length).toBe(claims);
  });

  it('retries while the gateway is unreachable, with one line when it goes and one when it is back', async () => {
    const probe = await startFakeGateway();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const lines: string[] = [];
    const worker = new Worker({
      calls: new WorkerClient(`http://127.0.0.1:${port}`, 'hud_worker_key', {
        workerId: 'w'.repeat(32),
        name: 'test-worker',
        runtimes: ['local'],
      }),
      concurrency: 1,
      waitS: 0,
      backoff: { minMs: 20, maxMs: 40 },
      log: (line) => lines.push(line),
      run: async () => ({ kind: 'drop', reason: 'unused' }),
    });
    workers.push(worker);
    const running = worker.run();
    // Several failed attempts go by (the port refuses), one line for all of them.
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatch(
      /^gateway unreachable: .*\(ECONNREFUSED\) \(retrying with backoff; .*--gateway \/ HUD_API_URL\)$/,
    );
    const gateway = await startFakeGateway(port);
    gateways.push(gateway);
    await vi.waitFor(() => expect(gateway.claims.length).toBeGreaterThan(0), { timeout: 10_000 });
    await vi.waitFor(() => expect(lines).toEqual([lines[0], 'gateway reachable again']));
    await worker.stop();
    await running;
  });
});
