import {
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { eventually, noSuchProcess, notRunning } from './__fixtures__/processes.js';
import { recordingLogger, trackProviders } from './__fixtures__/providers.js';
import { CONFORMANCE_ENV, countRow, fixture, row } from './__fixtures__/rows.js';
import { LocalRuntimeError } from './errors.js';
import { LocalRuntime } from './local-runtime.js';

const track = trackProviders();

describe('LocalRuntime', () => {
  it('serves a conformance row from a child and kills the child and its group on dispose', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV));
    const task = countRow();
    let pid: number;
    {
      await using lease = await provider(task);
      pid = lease.pid;
      expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(lease.prewarmed).toBe(false);
      expect(noSuchProcess(pid)).toBe(false);
      await using client = await HudClient.connect(lease);
      expect(client.manifest?.env.name).toBe('conformance');
      const { prompt } = await client.startTask(task.id, task.args);
      expect(prompt).toContain("'banana'");
      expect((await client.grade({ answer: '3' })).score).toBe(1);
    }
    expect(noSuchProcess(pid)).toBe(true);
    expect(noSuchProcess(-pid)).toBe(true);
    expect(provider.children).toEqual([]);
  });

  it('gives concurrent acquisitions their own child and port', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV));
    const leases = await Promise.all([1, 2, 3].map(() => provider(countRow())));
    try {
      expect(new Set(leases.map((lease) => lease.pid)).size).toBe(3);
      expect(new Set(leases.map((lease) => lease.url)).size).toBe(3);
      expect(provider.children.map((child) => child.state)).toEqual(['leased', 'leased', 'leased']);
    } finally {
      await Promise.all(leases.map((lease) => lease.close()));
    }
    for (const lease of leases) expect(noSuchProcess(-lease.pid)).toBe(true);
  });

  it("serves the environment the task names, the env option's, or the file's only one", async () => {
    const multi = track(LocalRuntime(fixture('multi-env.ts')));
    for (const name of ['alpha', 'beta']) {
      await using lease = await multi(row(name, 'which'));
      await using client = await HudClient.connect(lease);
      expect((await client.startTask('which')).prompt).toBe(`served by ${name}`);
    }
    const pinned = track(LocalRuntime(fixture('multi-env.ts'), { env: 'alpha' }));
    {
      await using lease = await pinned(row('beta', 'which'));
      await using client = await HudClient.connect(lease);
      expect((await client.startTask('which')).prompt).toBe('served by alpha');
    }
    const error = await multi(row('gamma', 'which')).catch((caught: unknown) => caught);
    expect(LocalRuntimeError.isInstance(error) && error.code).toBe('exited_early');
    expect((error as Error).message).toMatch(/no Environment named 'gamma'.*exports: alpha, beta/);

    // A file with a single environment serves it whatever the row's env.
    const single = track(LocalRuntime(CONFORMANCE_ENV));
    await using lease = await single(row('renamed', 'count'));
    await using client = await HudClient.connect(lease);
    expect(client.manifest?.env.name).toBe('conformance');
  });

  it('runs shutdown hooks on release, tolerates stray stdout and kills daemons in the group', async () => {
    const provider = track(LocalRuntime(fixture('hooks.ts')));
    const lease = await provider(row('hooks', 'ping'));
    {
      await using client = await HudClient.connect(lease);
      await client.startTask('ping');
      expect((await client.grade({ answer: 'pong' })).score).toBe(1);
    }
    const daemon = Number(/daemon pid=(\d+)/.exec(lease.output())?.[1]);
    expect(notRunning(daemon)).toBe(false);
    expect(await lease.close()).toEqual({ code: 0, signal: null });
    expect(lease.output()).toContain('stray stdout line');
    expect(lease.output()).toContain(`shutdown hook ran in pid=${lease.pid}`);
    expect(await eventually(() => notRunning(daemon))).toBe(true);
  });

  it('passes cwd, execArgv and extra environment variables to the child', async () => {
    const cwd = realpathSync(tmpdir());
    const provider = track(
      LocalRuntime(fixture('hooks.ts'), {
        cwd,
        envVars: { HUD_RUNTIMES_LOCAL_TEST: 'from-options' },
        execArgv: ['--title=hud-runtimes-local-test'],
      }),
    );
    await using lease = await provider(row('hooks', 'ping'));
    const environ = readFileSync(`/proc/${lease.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('HUD_RUNTIMES_LOCAL_TEST=from-options');
    // The caller's own variables are passed through untouched.
    expect(environ).toContain(`PATH=${process.env.PATH}`);
    expect(readFileSync(`/proc/${lease.pid}/cmdline`, 'utf8')).toContain('hud-runtimes-local-test');
    expect(readlinkSync(`/proc/${lease.pid}/cwd`)).toBe(cwd);

    const defaults = track(LocalRuntime(fixture('hooks.ts')));
    await using other = await defaults(row('hooks', 'ping'));
    expect(readlinkSync(`/proc/${other.pid}/cwd`)).toBe(path.dirname(fixture('hooks.ts')));
  });

  it('rejects rows with runtime_config without spawning', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV));
    const task = { ...countRow(), runtime_config: { image: 'my-env' } };
    await expect(provider(task)).rejects.toMatchObject({ code: 'unsupported' });
    expect(provider.spawnCount).toBe(0);
  });

  it('kills the child when provisioning is aborted', async () => {
    const logger = recordingLogger();
    const provider = track(LocalRuntime(fixture('hang-initialize.js'), { logger }));
    const controller = new AbortController();
    const pending = provider(row('hang', 'x'), { signal: controller.signal });
    expect(await eventually(() => provider.children.length === 1)).toBe(true);
    controller.abort(new Error('stop provisioning'));
    await expect(pending).rejects.toThrow('stop provisioning');
    const [pid] = logger.spawnedPids();
    expect(pid).toBeDefined();
    expect(noSuchProcess(-(pid as number))).toBe(true);
    expect(provider.children).toEqual([]);
  });

  it('close() kills leased children and refuses new acquisitions', async () => {
    const provider = track(LocalRuntime(CONFORMANCE_ENV));
    const lease = await provider(countRow());
    await provider.close();
    expect(noSuchProcess(-lease.pid)).toBe(true);
    expect(lease.exit).toBeDefined();
    await expect(provider(countRow())).rejects.toMatchObject({ code: 'closed' });
    await lease.close();
  });

  it('names a missing source at construction', () => {
    expect(() => LocalRuntime('/nonexistent/hud-env.ts')).toThrow(/\/nonexistent\/hud-env\.ts/);
    expect(() => LocalRuntime(CONFORMANCE_ENV, { prewarm: -1 })).toThrow(/prewarm/);
  });
});

describe('LocalRuntime fileTracking', () => {
  it("publishes a workspace's filetracking/1 by default and not with fileTracking: false", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hud-local-ft-'));
    try {
      const file = path.join(dir, 'env.ts');
      writeFileSync(
        file,
        "import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: 'ft-local' });\nenv.workspace();\n",
      );
      const protocols = async (options: { fileTracking?: boolean }) => {
        const provider = track(LocalRuntime(file, { bundle: false, ...options }));
        await using lease = await provider(row('ft-local', 'none'));
        await using client = await HudClient.connect(lease);
        return client.manifest?.bindings.map((binding) => binding.protocol);
      };
      expect(await protocols({})).toContain('filetracking/1');
      expect(await protocols({ fileTracking: false })).not.toContain('filetracking/1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
