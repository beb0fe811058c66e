import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { Labels, ownerGone, processStartTicks, sandboxLabels } from './labels.js';

describe('sandbox labels', () => {
  it('name the job, the task, a fresh run and this process as owner; extras never override them', () => {
    const labels = sandboxLabels({
      job: 'job-1',
      task: 'count-letters',
      extra: { team: 'a', [Labels.job]: 'forged' },
    });
    expect(labels).toMatchObject({
      team: 'a',
      [Labels.managed]: '1',
      [Labels.job]: 'job-1',
      [Labels.task]: 'count-letters',
      [Labels.ownerPid]: String(process.pid),
      [Labels.ownerHost]: hostname(),
      [Labels.ownerStart]: processStartTicks(process.pid),
    });
    expect(labels[Labels.run]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sandboxLabels({ job: 'j', task: 't' })[Labels.run]).not.toBe(labels[Labels.run]);
    expect(ownerGone(labels)).toBe(false);
  });

  it('judge a dead pid gone, and a reused pid (another start time)', () => {
    const labels = sandboxLabels({ job: 'j', task: 't' });
    const child = spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' });
    expect(ownerGone({ ...labels, [Labels.ownerPid]: child.stdout.trim() })).toBe(true);
    expect(ownerGone({ ...labels, [Labels.ownerStart]: '1' })).toBe(true);
  });

  it('never judge sandboxes of another host, or without owner labels', () => {
    const dead = { ...sandboxLabels({ job: 'j', task: 't' }), [Labels.ownerPid]: '999999999' };
    expect(ownerGone({ ...dead, [Labels.ownerHost]: 'another-host' })).toBe(false);
    expect(ownerGone({ [Labels.managed]: '1' })).toBe(false);
    expect(
      ownerGone({ ...dead, [Labels.ownerHost]: 'pod-safe-host' }, { host: 'pod-safe-host' }),
    ).toBe(true);
  });
});
