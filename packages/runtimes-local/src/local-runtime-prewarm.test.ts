import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { eventually, noSuchProcess } from './__fixtures__/processes.js';
import { recordingLogger, trackProviders } from './__fixtures__/providers.js';
import { CONFORMANCE_ENV, countRow, fixture, row } from './__fixtures__/rows.js';
import type { LocalLease } from './local-lease.js';
import { type LocalProvider, LocalRuntime } from './local-runtime.js';

const track = trackProviders();

async function rollout(lease: LocalLease): Promise<number> {
  await using client = await HudClient.connect(lease);
  const task = countRow();
  await client.startTask(task.id, task.args);
  return (await client.grade({ answer: '3' })).score;
}

const readyPooled = (provider: LocalProvider) =>
  provider.children
    .filter((child) => child.state === 'ready' && child.prewarmed)
    .map((child) => child.pid);

describe('LocalRuntime prewarm pool', () => {
  it('serves later acquisitions from already running children, each used once', async () => {
    const logger = recordingLogger();
    const provider = track(LocalRuntime(CONFORMANCE_ENV, { prewarm: 2, logger }));
    const used: number[] = [];

    const first = await provider(countRow());
    expect(first.prewarmed).toBe(false);
    expect(await rollout(first)).toBe(1);
    await first.close();
    used.push(first.pid);
    // The first acquisition started the pool: one child on demand plus two ahead of it.
    expect(provider.spawnCount).toBe(3);

    for (let round = 0; round < 3; round++) {
      await provider.warm('conformance');
      const pooled = readyPooled(provider);
      expect(pooled).toHaveLength(2);
      const lease = await provider(countRow());
      expect(lease.prewarmed).toBe(true);
      expect(pooled).toContain(lease.pid);
      expect(await rollout(lease)).toBe(1);
      await lease.close();
      expect(noSuchProcess(-lease.pid)).toBe(true);
      used.push(lease.pid);
      // Taking a pooled child started exactly one replacement.
      expect(provider.spawnCount).toBe(4 + round);
    }
    expect(new Set(used).size).toBe(used.length);

    const idle = provider.children.map((child) => child.pid);
    expect(idle).toHaveLength(2);
    await provider.close();
    for (const pid of logger.spawnedPids()) expect(noSuchProcess(-pid)).toBe(true);
    expect(logger.spawnedPids()).toHaveLength(provider.spawnCount);
    expect(provider.children).toEqual([]);
  });

  it('discards a prewarmed child that died while idle instead of handing it out', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV, { prewarm: 1, env: 'conformance' }));
    await provider.warm();
    const [dead] = readyPooled(provider);
    expect(dead).toBeDefined();
    process.kill(dead as number, 'SIGKILL');
    expect(await eventually(() => !provider.children.some((child) => child.pid === dead))).toBe(
      true,
    );
    const lease = await provider(countRow());
    expect(lease.pid).not.toBe(dead);
    expect(await rollout(lease)).toBe(1);
    await lease.close();
  });

  it('hands out a pooled child that is still starting rather than spawning another', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV, { prewarm: 1 }));
    // The first call spawns one child for itself and one for the pool; the second, made in the same tick,
    // takes the pool's child while it is still starting.
    const [first, second] = await Promise.all([provider(countRow()), provider(countRow())]);
    expect(first.prewarmed).toBe(false);
    expect(second.prewarmed).toBe(true);
    expect(first.pid).not.toBe(second.pid);
    // Two children for the two leases plus one refill of the pool.
    expect(provider.spawnCount).toBe(3);
    expect(await rollout(second)).toBe(1);
    await Promise.all([first.close(), second.close()]);
  });

  it('rejects warm() without an environment name and reports a pool child that cannot start', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV, { prewarm: 1 }));
    await expect(provider.warm()).rejects.toMatchObject({ code: 'invalid_argument' });

    const broken = track(LocalRuntime(fixture('syntax-error.ts'), { prewarm: 2 }));
    await expect(broken.warm('broken')).rejects.toMatchObject({ code: 'exited_early' });
    expect(await eventually(() => broken.children.length === 0)).toBe(true);
    // Failed pool children are not respawned on their own: only demand refills the pool.
    expect(broken.spawnCount).toBe(2);
    await expect(broken(row('broken', 'x'))).rejects.toMatchObject({ code: 'exited_early' });
  });

  it('without prewarm, spawns exactly one child per acquisition', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV));
    await provider.warm('conformance');
    expect(provider.spawnCount).toBe(0);
    for (let index = 0; index < 2; index++) {
      await using lease = await provider(countRow());
      expect(lease.prewarmed).toBe(false);
    }
    expect(provider.spawnCount).toBe(2);
  });
});
