import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, noSuchProcess } from './__fixtures__/processes.js';
import { recordingLogger, trackProviders } from './__fixtures__/providers.js';
import { fixture, row } from './__fixtures__/rows.js';
import { LocalRuntime } from './local-runtime.js';

const track = trackProviders();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A gate file for the `gated-load.js` fixture: its children finish loading once it exists. */
function loadGate(): { file: string; open(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-boot-gate-'));
  dirs.push(dir);
  const file = path.join(dir, 'open');
  return { file, open: () => writeFileSync(file, '') };
}

const gatedRow = () => row('gated-load', 'none');

describe('LocalRuntime boot gate', () => {
  it('with maxBooting 1 spawns the second child only once the first has loaded', async () => {
    const gate = loadGate();
    const logger = recordingLogger();
    const provider = track(
      LocalRuntime(fixture('gated-load.js'), {
        bundle: false,
        maxBooting: 1,
        envVars: { HUD_TEST_LOAD_GATE: gate.file },
        logger,
      }),
    );
    const first = provider(gatedRow());
    const second = provider(gatedRow());
    // Both acquisitions asked for a child; only one process exists while the first is still loading.
    expect(provider.spawnCount).toBe(1);
    expect(provider.children).toHaveLength(1);

    gate.open();
    const [a, b] = await Promise.all([first, second]);
    expect(provider.spawnCount).toBe(2);
    expect(a.pid).not.toBe(b.pid);
    expect(logger.spawnedPids()).toEqual([a.pid, b.pid]);
    await Promise.all([a.close(), b.close()]);
    expect(noSuchProcess(-a.pid) && noSuchProcess(-b.pid)).toBe(true);
  });

  it('without a bound spawns every child at once', async () => {
    const gate = loadGate();
    const provider = track(
      LocalRuntime(fixture('gated-load.js'), {
        bundle: false,
        maxBooting: Number.POSITIVE_INFINITY,
        envVars: { HUD_TEST_LOAD_GATE: gate.file },
      }),
    );
    const first = provider(gatedRow());
    const second = provider(gatedRow());
    expect(provider.spawnCount).toBe(2);
    gate.open();
    for (const lease of await Promise.all([first, second])) await lease.close();
  });

  it('does not hold the turn through initialize hooks: a hanging hook lets the next child load', async () => {
    const provider = track(
      LocalRuntime(fixture('hang-initialize.js'), { bundle: false, maxBooting: 1 }),
    );
    const first = provider(row('hang', 'none'));
    const second = provider(row('hang', 'none'));
    expect(provider.spawnCount).toBe(1);
    // The first child loads its module, closes its loaded pipe and hangs in `initialize`: the second starts.
    expect(await eventually(() => provider.spawnCount === 2)).toBe(true);
    expect(provider.children).toHaveLength(2);
    const pids = provider.children.map((child) => child.pid);
    const refused = Promise.all([
      expect(first).rejects.toMatchObject({ code: 'closed' }),
      expect(second).rejects.toMatchObject({ code: 'closed' }),
    ]);
    await provider.close();
    await refused;
    for (const pid of pids) expect(noSuchProcess(-pid)).toBe(true);
  });

  it('never spawns a child that was still waiting for its turn when the provider closed', async () => {
    const gate = loadGate();
    const provider = track(
      LocalRuntime(fixture('gated-load.js'), {
        bundle: false,
        maxBooting: 1,
        envVars: { HUD_TEST_LOAD_GATE: gate.file },
      }),
    );
    const first = provider(gatedRow());
    const second = provider(gatedRow());
    expect(provider.spawnCount).toBe(1);
    const refused = Promise.all([
      expect(first).rejects.toMatchObject({ code: 'closed' }),
      expect(second).rejects.toMatchObject({ code: 'closed' }),
    ]);
    await provider.close();
    await refused;
    expect(provider.spawnCount).toBe(1);
    expect(provider.children).toEqual([]);
  });

  it('rejects a maxBooting below 1', () => {
    expect(() => LocalRuntime(fixture('gated-load.js'), { maxBooting: 0 })).toThrow(/maxBooting/);
  });
});
