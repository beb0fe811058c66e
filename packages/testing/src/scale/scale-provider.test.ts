import { connect } from 'node:net';
import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { ScaleCreateError, ScaleProvider } from './index.js';

const task = { env: 'scale', id: 'echo', slug: 'echo-0', args: { word: 'pear' } };

/** Whether something accepts connections at `url` (`tcp://127.0.0.1:<port>`). */
function listening(url: string): Promise<boolean> {
  const port = Number(url.split(':').at(-1));
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('ScaleProvider', () => {
  it('serves a rollout from a loopback sandbox that grades the word, and stops it on release', async () => {
    const provider = ScaleProvider({
      createLatencyMs: [1, 5],
      failureRate: 0,
      createsPerSecond: 1000,
    });
    const lease = await provider(task);
    expect(provider.stats).toMatchObject({ creates: 1, live: 1, peakLive: 1, failedCreates: 0 });
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    expect((await client.startTask('echo', task.args)).prompt).toBe('say pear');
    expect((await client.grade({ answer: 'pear' })).score).toBe(1);
    await client.close();
    await lease[Symbol.asyncDispose]();
    expect(provider.stats.live).toBe(0);
    expect(await listening(lease.url)).toBe(false);
    await provider.close();
  });

  it('retries failed creates as infrastructure events and gives up with a reason when all fail', async () => {
    const flaky = ScaleProvider({
      createLatencyMs: [1, 2],
      failureRate: 0.5,
      createsPerSecond: 1000,
      retries: 10,
      seed: 7,
    });
    const leases = await Promise.all(Array.from({ length: 20 }, () => flaky(task)));
    expect(leases).toHaveLength(20);
    expect(flaky.stats.failedCreates).toBeGreaterThan(0);
    expect(flaky.stats.retries).toBe(flaky.stats.failedCreates);
    expect(flaky.stats.creates).toBe(20 + flaky.stats.retries);
    expect(flaky.stats.peakLive).toBe(20);
    await flaky.close();

    const broken = ScaleProvider({
      createLatencyMs: [1, 2],
      failureRate: 1,
      retries: 2,
      createsPerSecond: 1000,
    });
    const error = await broken(task).catch((thrown: unknown) => thrown);
    expect(ScaleCreateError.isInstance(error)).toBe(true);
    expect((error as ScaleCreateError).message).toMatch(
      /^sandbox for 'echo-0' could not be created: 3 attempts failed \(simulated create failure after \d+ ms; /,
    );
    expect(broken.stats).toMatchObject({ creates: 3, retries: 2, gaveUp: 1, live: 0 });
  });

  it('aborts a waiting create with the signal', async () => {
    const slow = ScaleProvider({ createLatencyMs: [60_000, 60_000], failureRate: 0 });
    const controller = new AbortController();
    const pending = slow(task, { signal: controller.signal });
    controller.abort(new Error('Ctrl-C'));
    await expect(pending).rejects.toThrow('Ctrl-C');
    expect(slow.stats.live).toBe(0);
  });
});
