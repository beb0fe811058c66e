import { spawnSync } from 'node:child_process';
import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { hasDocker } from './__fixtures__/docker-gate.js';
import { containersOf, docker, echoSuite, task } from './__fixtures__/echo-suite.js';
import { failure } from './__fixtures__/rejection.js';
import { DockerRuntime, type DockerRuntimeError, Labels, reapOrphans } from './index.js';

describe.skipIf(!hasDocker)('DockerRuntime (real engine)', () => {
  const suite = echoSuite();
  const { newJob } = suite;

  it('leases a labelled container on loopback that answers hello, and removes it once released', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, {
      job,
      envVars: { ENV_NAME: 'from-env-var' },
      runtimeConfig: { resources: { cpu: 0.5 } },
    });
    const lease = await provider(
      task({
        runtime_config: { resources: { memory_mb: 128 }, limits: { startup_timeout_s: 30 } },
      }),
    );
    expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(lease.params).toEqual({
      provider: 'docker',
      instance_id: lease.containerId,
      ready_timeout: 30,
    });
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    expect(client.manifest?.env.name).toBe('from-env-var');
    expect((await client.startTask('echo', {})).prompt).toBe('say hello');
    await client.close();

    const info = await docker.getContainer(lease.containerId).inspect();
    expect(info.Config.Labels).toMatchObject({
      [Labels.managed]: '1',
      [Labels.job]: job,
      [Labels.task]: 'echo-task',
      [Labels.ownerPid]: String(process.pid),
    });
    expect(info.Config.Labels[Labels.run]).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      info.NetworkSettings.Ports['8765/tcp']?.every((port) => port.HostIp === '127.0.0.1'),
    ).toBe(true);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(
      info.HostConfig.SecurityOpt?.some((option: string) => option.startsWith('seccomp=')),
    ).toBe(true);
    expect(info.HostConfig.MaskedPaths).toEqual([]);
    expect(provider.containers).toHaveLength(1);

    await lease.close();
    await lease.close(); // idempotent
    // Released: the removal runs in the background until the engine confirms it.
    await lease.removed();
    expect(provider.containers).toHaveLength(0);
    expect(await containersOf(job)).toEqual([]);
  });

  it('takes the image from the row, else from imageFor, and says what to do without one', async () => {
    await using provider = DockerRuntime(undefined, {
      job: newJob(),
      imageFor: (row) => (row.env === 'echo' ? suite.image : undefined),
    });
    await using fromRow = await provider(
      task({ env: 'other', runtime_config: { image: suite.image } }),
    );
    expect(fromRow.image).toBe(suite.image);
    await using fromLookup = await provider(task());
    expect(fromLookup.image).toBe(suite.image);
    expect(fromLookup.params.ready_timeout).toBe(120); // the default readiness limit, in seconds
    const error = await failure(provider(task({ env: 'other' })));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toMatch(/no image for task 'echo-task' \(env 'other'\).*hud build/);
  });

  it('names a missing image, with or without a pull attempt', async () => {
    const job = newJob();
    for (const pull of [false, true]) {
      await using provider = DockerRuntime('hud-test/does-not-exist:1', { job, pull });
      const error = await failure(provider(task()));
      expect(error.code).toBe('image_not_found');
      expect(error.message).toContain("image 'hud-test/does-not-exist:1' not found locally");
    }
    expect(await containersOf(job)).toEqual([]);
  });

  it('reports a container that exits before serving, with its logs, and removes it', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, { job, envVars: { FIXTURE_MODE: 'exit' } });
    const error = await failure(provider(task()));
    expect(error.code).toBe('exited_early');
    expect(error.message).toMatch(/exited with status 3 before its control port answered/);
    expect(error.output).toContain('refusing to serve (FIXTURE_MODE=exit)');
    expect(error.message).toContain('refusing to serve');
    expect(await containersOf(job)).toEqual([]);
  });

  it('gives up on a CMD that never serves after limits.startup_timeout_s', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, { job, envVars: { FIXTURE_MODE: 'silent' } });
    // 4 s, not 1: the fixture's first line must be out before the runtime gives up, and Node starting in
    // a container on a loaded 2-core machine took over 1 s (a CI run read empty output).
    const error = await failure(
      provider(task({ runtime_config: { limits: { startup_timeout_s: 4 } } })),
    );
    expect(error.code).toBe('not_ready');
    expect(error.message).toMatch(/did not answer hello on port 8765 within 4 s/);
    expect(error.output).toContain('mode=silent');
    expect(await containersOf(job)).toEqual([]);
  });

  it('aborts the lease signal when the container dies while leased', async () => {
    await using provider = DockerRuntime(suite.image, {
      job: newJob(),
      envVars: { FIXTURE_MODE: 'late-exit' },
    });
    await using lease = await provider(task());
    await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve()));
    const reason = lease.signal.reason as DockerRuntimeError;
    expect(reason.code).toBe('exited');
    expect(reason.phase).toBe('running');
    expect(reason.message).toMatch(/exited with status 4 while leased/);
    expect(reason.output).toContain('mode=late-exit');
  });

  it('removes a container after limits.run_timeout_s', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, { job });
    await using lease = await provider(task({ runtime_config: { limits: { run_timeout_s: 1 } } }));
    await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve()));
    expect((lease.signal.reason as DockerRuntimeError).code).toBe('run_timeout');
    for (let attempt = 0; attempt < 50 && (await containersOf(job)).length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await containersOf(job)).toEqual([]);
  });

  it('refuses a container with less free space than resources.storage_mb', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, { job });
    const error = await failure(
      provider(task({ runtime_config: { resources: { storage_mb: 1e9 } } })),
    );
    expect(error.code).toBe('insufficient_storage');
    expect(await containersOf(job)).toEqual([]);
  });

  it('serves a container without a network through docker exec', async () => {
    await using provider = DockerRuntime(suite.image, { job: newJob(), network: false });
    await using lease = await provider(task());
    const info = await docker.getContainer(lease.containerId).inspect();
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.NetworkSettings.Ports).toEqual({});
    const client = await HudClient.connect(lease, { heartbeatIntervalMs: 0 });
    expect(await client.listTasks()).toEqual([
      { id: 'echo', description: 'echo the word', args: {} },
    ]);
    const grade = await client.grade({ answer: 'hello' }).catch(() => undefined);
    expect(grade?.score).toBe(1);
    await client.close();
  });

  it('removes a container whose provisioning is aborted', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, { job, envVars: { FIXTURE_MODE: 'silent' } });
    const controller = new AbortController();
    const pending = provider(task(), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 500);
    await expect(pending).rejects.toThrow('stop');
    expect(await containersOf(job)).toEqual([]);
  });

  it('close() removes every leased container and refuses new acquisitions', async () => {
    const job = newJob();
    const provider = DockerRuntime(suite.image, { job });
    await Promise.all([provider(task()), provider(task()), provider(task())]);
    expect(await containersOf(job)).toHaveLength(3);
    await provider.close();
    expect(await containersOf(job)).toEqual([]);
    expect((await failure(provider(task()))).code).toBe('closed');
  });

  it('reaps containers whose owner process is gone, and only those', async () => {
    const job = newJob();
    await using provider = DockerRuntime(suite.image, { job });
    await using live = await provider(task());
    const dead = spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' });
    const orphan = await docker.createContainer({
      Image: suite.image,
      Labels: {
        ...(await docker.getContainer(live.containerId).inspect()).Config.Labels,
        [Labels.ownerPid]: dead.stdout.trim(),
      },
    });
    const result = await reapOrphans({ docker });
    // Another suite sweeping at the same moment may have removed the orphan first: it must be gone.
    expect(
      await docker
        .getContainer(orphan.id)
        .inspect()
        .catch(() => 'gone'),
    ).toBe('gone');
    expect(result.removed).not.toContain(live.containerId);
    expect((await containersOf(job)).map((container) => container.id)).toEqual([live.containerId]);
  });
});
