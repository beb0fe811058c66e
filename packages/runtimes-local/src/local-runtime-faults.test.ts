import { HudClient } from '@hud/protocol';
import { rejectedError } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { eventually, noSuchProcess } from './__fixtures__/processes.js';
import { recordingLogger, trackProviders } from './__fixtures__/providers.js';
import { fixture, row } from './__fixtures__/rows.js';
import { LocalRuntimeError } from './errors.js';
import { LocalRuntime } from './local-runtime.js';

const track = trackProviders();

describe('LocalRuntime faults', () => {
  it("reports a file that fails to load with the child's output, leaving no process", async () => {
    const logger = recordingLogger();
    const file = fixture('syntax-error.ts');
    const provider = track(LocalRuntime(file, { logger }));
    const error = await rejectedError(LocalRuntimeError, provider(row('broken', 'x')));
    expect(error.code).toBe('exited_early');
    expect(error.phase).toBe('provisioning');
    expect(error.message).toContain(file);
    expect(error.message).toContain('exited with code 1');
    // The loader's message, as the child printed it on stderr.
    expect(error.output).toContain(`failed to load ${file}`);
    expect(error.message).toContain(error.output);
    const [pid] = logger.spawnedPids();
    expect(noSuchProcess(-(pid as number))).toBe(true);
    expect(provider.children).toEqual([]);
  });

  it("kills a child that never prints its port after readyTimeoutMs ('not_ready')", async () => {
    const logger = recordingLogger();
    const provider = track(
      LocalRuntime(fixture('hang-initialize.js'), {
        logger,
        readyTimeoutMs: 1000,
        killGraceMs: 2000,
      }),
    );
    const error = await rejectedError(LocalRuntimeError, provider(row('hang', 'x')));
    expect(error.code).toBe('not_ready');
    expect(error.message).toContain(fixture('hang-initialize.js'));
    expect(error.message).toContain('readyTimeoutMs');
    const [pid] = logger.spawnedPids();
    expect(pid).toBeDefined();
    expect(await eventually(() => noSuchProcess(-(pid as number)))).toBe(true);
    expect(provider.children).toEqual([]);
  });

  it('survives a child that exits mid-rollout: the client sees the close, dispose still succeeds', async () => {
    const provider = track(LocalRuntime(fixture('exit-mid-rollout.ts')));
    const lease = await provider(row('exits', 'crash'));
    const client = await HudClient.connect(lease);
    await client.startTask('crash');
    await expect(client.grade({ answer: 'anything' })).rejects.toMatchObject({
      code: 'connection_closed',
    });
    await client.close();
    expect(await eventually(() => lease.signal.aborted)).toBe(true);
    const reason = lease.signal.reason as LocalRuntimeError;
    expect(reason.code).toBe('exited');
    expect(reason.phase).toBe('running');
    expect(reason.output).toContain('template exiting with code 3');
    expect(await lease.close()).toEqual({ code: 3, signal: null });
    expect(noSuchProcess(-lease.pid)).toBe(true);
  });

  it('SIGKILLs a child that ignores SIGTERM after the grace period', async () => {
    const provider = track(LocalRuntime(fixture('ignore-sigterm.ts'), { killGraceMs: 300 }));
    const lease = await provider(row('stubborn', 'ping'));
    expect(await lease.close()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(lease.output()).toContain('SIGTERM ignored');
    expect(noSuchProcess(-lease.pid)).toBe(true);
  });

  it("reports a node binary that cannot be spawned ('spawn_failed')", async () => {
    const provider = track(
      LocalRuntime(fixture('hooks.ts'), { nodePath: '/nonexistent/bin/node' }),
    );
    const error = await rejectedError(LocalRuntimeError, provider(row('hooks', 'ping')));
    expect(error.code).toBe('spawn_failed');
    expect(error.message).toContain('/nonexistent/bin/node');
    expect(error.cause).toBeInstanceOf(Error);
  });
});
