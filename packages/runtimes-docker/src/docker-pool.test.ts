import { HudClient } from '@hud/protocol';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { hasDocker } from './__fixtures__/docker-gate.js';
import { containersOf, docker, echoSuite, task } from './__fixtures__/echo-suite.js';
import { EngineProxy } from './__fixtures__/engine-proxy.js';
import { DockerRuntime, Labels } from './index.js';

const exists = (id: string) =>
  docker
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );

/**
 * One rollout: lease, hello, start, grade, its output read (as the job store does before release),
 * release; resolves once the engine removed the container.
 */
async function rollout(provider: ReturnType<typeof DockerRuntime>): Promise<string> {
  const lease = await provider(task());
  const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
  expect((await client.startTask('echo', {})).prompt).toBe('say hello');
  expect((await client.grade({ answer: 'hello' })).score).toBe(1);
  await client.close();
  const lines = await lease.logLines();
  expect(lines.map(({ stream, line }) => [stream, line])).toEqual([
    ['stdout', 'echo-env: mode=serve'],
    ['stdout', 'HUD_SERVE_PORT=8765'],
  ]);
  expect(lines.every(({ time }) => !Number.isNaN(Date.parse(time)))).toBe(true);
  await lease.close();
  await lease.removed();
  return lease.containerId;
}

describe.skipIf(!hasDocker)('DockerRuntime pool (real engine)', () => {
  const suite = echoSuite();
  const { newJob } = suite;

  it('makes five engine requests per rollout (create, attach, start, inspect, remove), none for its output, and one event stream', async () => {
    const proxy = await EngineProxy.start();
    try {
      await using provider = DockerRuntime(suite.image, {
        job: newJob(),
        docker: new Docker({ socketPath: proxy.path }),
      });
      // The job store reads each rollout's output before release: from the attached stream.
      const ids = [await rollout(provider), await rollout(provider), await rollout(provider)];
      for (const id of ids) {
        expect(proxy.lines.filter((line) => line.includes(id))).toEqual([
          `POST /containers/${id}/attach`,
          `POST /containers/${id}/start`,
          `GET /containers/${id}/json`,
          `DELETE /containers/${id}`,
        ]);
      }
      const creates = proxy.lines.filter((line) => line === 'POST /containers/create');
      expect(creates).toHaveLength(3);
      // Exits come from one stream of the provider, not a `wait` request per container.
      expect(proxy.lines.filter((line) => line === 'GET /events')).toHaveLength(1);
      expect(proxy.lines.length).toBeLessThanOrEqual(1 + 5 * ids.length);
    } finally {
      await proxy.close();
    }
  });

  it('starts containers ahead of need, labelled like the others, each serving one rollout', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, { job, prewarm: 2 });
    await provider.warm(task());
    const pooled = provider.containers;
    expect(pooled.map(({ state, prewarmed, slug }) => ({ state, prewarmed, slug }))).toEqual([
      { state: 'ready', prewarmed: true, slug: undefined },
      { state: 'ready', prewarmed: true, slug: undefined },
    ]);
    const labelled = await containersOf(job);
    expect(labelled.map((container) => container.id).sort()).toEqual(
      pooled.map((container) => container.id).sort(),
    );
    for (const { labels } of labelled) {
      // The owner labels are what reapOrphans judges a container by after a crash.
      expect(labels).toMatchObject({
        [Labels.managed]: '1',
        [Labels.job]: job,
        [Labels.ownerPid]: String(process.pid),
      });
      expect(labels[Labels.run]).toMatch(/^[0-9a-f-]{36}$/);
    }

    // A lease takes a pooled container; the pool is topped up again.
    const served: string[] = [];
    const first = await provider(task());
    expect(pooled.map((container) => container.id)).toContain(first.containerId);
    served.push(first.containerId);
    await provider.warm(task());
    expect(provider.createdCount).toBe(3);
    const client = await HudClient.connect(first, { heartbeatIntervalMs: 0 });
    expect((await client.startTask('echo', {})).prompt).toBe('say hello');
    await client.close();
    await first.removed();
    expect(await exists(first.containerId)).toBe(false);

    // Three at once: two from the pool, one on demand; never a container that served before.
    const leases = await Promise.all([provider(task()), provider(task()), provider(task())]);
    for (const lease of leases) served.push(lease.containerId);
    expect(new Set(served).size).toBe(4);
    await Promise.all(leases.map((lease) => lease.removed()));
    for (const id of served) expect(await exists(id)).toBe(false);
    await provider.close();
    expect(await containersOf(job)).toEqual([]);
  });

  it('removes a pooled container whose acquisition is aborted, and pooled ones of an earlier job', async () => {
    const first = newJob();
    const second = newJob();
    let job = first;
    await using provider = DockerRuntime(suite.image, {
      job: () => job,
      prewarm: 1,
      envVars: { FIXTURE_MODE: 'silent' },
    });
    const until = async (done: () => boolean | Promise<boolean>) => {
      for (let turn = 0; turn < 1000 && !(await done()); turn++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const starting = (prewarmed: boolean) =>
      provider.containers.filter((info) => info.prewarmed === prewarmed);
    // Never answers hello. The first acquisition provisions on demand and fills the pool…
    const firstTry = new AbortController();
    const onDemand = provider(task(), { signal: firstTry.signal });
    await until(() => starting(false).length === 1 && starting(true).length === 1);
    const [pooled] = starting(true);
    firstTry.abort(new Error('stop'));
    await expect(onDemand).rejects.toThrow('stop');
    // …the second takes the pooled container while it is still starting, and is aborted too.
    const secondTry = new AbortController();
    const fromPool = provider(task(), { signal: secondTry.signal });
    await until(() => starting(true).length === 2);
    secondTry.abort(new Error('stop again'));
    await expect(fromPool).rejects.toThrow('stop again');
    await provider.whenRemoved();
    const left = provider.containers;
    expect(left.map(({ prewarmed, state }) => ({ prewarmed, state }))).toEqual([
      { prewarmed: true, state: 'starting' },
    ]);
    expect(left[0]?.id).not.toBe(pooled?.id);
    expect((await containersOf(first)).map((container) => container.id)).toEqual([left[0]?.id]);

    // A new job: the pooled container of the first is discarded, never leased under the wrong label.
    job = second;
    const late = provider(task()).catch(() => undefined);
    await until(async () => (await containersOf(first)).length === 0);
    expect(await containersOf(first)).toEqual([]);
    expect((await containersOf(second)).length).toBeGreaterThan(0);
    await provider.close();
    await late;
    expect(await containersOf(second)).toEqual([]);
  });

  it('releases at once and removes in the background; close() waits and leaves nothing of the job', async () => {
    const proxy = await EngineProxy.start();
    const job = newJob();
    try {
      const provider = DockerRuntime(suite.image, {
        job,
        prewarm: 1,
        docker: new Docker({ socketPath: proxy.path }),
      });
      const lease = await provider(task());
      await provider.warm(task());
      const hold = proxy.hold(
        (request) => request.method === 'DELETE' && request.path.includes(lease.containerId),
      );
      // The rollout's verdict waits for this: it must not wait for the engine's removal.
      await lease.close();
      await hold.seen;
      expect(await exists(lease.containerId)).toBe(true);
      expect(provider.containers.find((info) => info.id === lease.containerId)?.state).toBe(
        'removing',
      );

      let closed = false;
      const closing = provider.close().then(() => {
        closed = true;
      });
      // The pooled container goes at once; the held removal keeps close() waiting.
      for (let turn = 0; turn < 1000 && provider.containers.length > 1; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(provider.containers.map((info) => info.id)).toEqual([lease.containerId]);
      expect(closed).toBe(false);
      hold.release();
      await closing;
      expect(await containersOf(job)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
