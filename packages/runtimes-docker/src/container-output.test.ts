import { HudClient } from '@hud/protocol';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { hasDocker } from './__fixtures__/docker-gate.js';
import { containersOf, echoSuite, task } from './__fixtures__/echo-suite.js';
import { EngineProxy } from './__fixtures__/engine-proxy.js';
import { DockerRuntime } from './index.js';

describe.skipIf(!hasDocker)('DockerRuntime readiness by announcement (real engine)', () => {
  const suite = echoSuite();

  it("awaits an announcing image's containers by their HUD_SERVE_PORT= line, not by polling the port", async () => {
    // Listens at once but prints HUD_SERVE_PORT= 300 ms later; counts the hellos that came before.
    await using provider = DockerRuntime(suite.image, {
      job: suite.newJob(),
      envVars: { FIXTURE_MODE: 'late-announce' },
    });
    const prompts: string[] = [];
    for (let index = 0; index < 3; index++) {
      await using lease = await provider(task());
      await using client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
      prompts.push(String((await client.startTask('echo', {})).prompt));
      // The first rollout may end before its container announces: hold it until the line is out.
      const announced = async () =>
        (await lease.logLines()).some(({ line }) => line.startsWith('HUD_SERVE_PORT='));
      for (let turn = 0; turn < 500 && !(await announced()); turn++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    // The first container of the image is polled (nothing is known of the image yet); the provider then
    // knows it announces, and waits for that line before the first hello.
    expect(prompts[0]).toMatch(/^say hello \(hellos before the announcement: \d+\)$/);
    expect(prompts.slice(1)).toEqual([
      'say hello (hellos before the announcement: 0)',
      'say hello (hellos before the announcement: 0)',
    ]);
  });

  it('closes the output stream of a container removed while it was being attached', async () => {
    const until = async (done: () => boolean | Promise<boolean>) => {
      for (let turn = 0; turn < 1000 && !(await done()); turn++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const proxy = await EngineProxy.start();
    try {
      // start() waits for the provider's event stream and the attach together: holding the first keeps
      // the container unstarted with its output attached while close() removes it.
      const events = proxy.hold((request) => request.path === '/events');
      const job = suite.newJob();
      const provider = DockerRuntime(suite.image, {
        job,
        docker: new Docker({ socketPath: proxy.path }),
      });
      const acquiring = provider(task()).then(
        () => undefined,
        (error: unknown) => error,
      );
      await until(() => proxy.lines.some((line) => line.endsWith('/attach')));
      const closing = provider.close();
      await until(async () => (await containersOf(job)).length === 0);
      events.release();
      await closing;
      expect(await acquiring).toBeInstanceOf(Error);
      expect(await containersOf(job)).toEqual([]);
      // Nothing of the provider is left open on the engine (an attach stream left open held `hud eval`
      // open after its job).
      await until(() => proxy.openConnections === 0);
      expect(proxy.openConnections).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
