import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Labels, ownerGone, ownerLabels, processStartTicks } from './labels.js';

describe('owner labels', () => {
  it('name this process and host', () => {
    const labels = ownerLabels();
    expect(labels[Labels.ownerPid]).toBe(String(process.pid));
    expect(labels[Labels.ownerStart]).toBe(processStartTicks(process.pid));
    expect(ownerGone(labels)).toBe(false);
  });

  it('judge a dead pid gone', () => {
    const child = spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' });
    const dead = Number(child.stdout.trim());
    expect(ownerGone({ ...ownerLabels(), [Labels.ownerPid]: String(dead) })).toBe(true);
  });

  it('judge a reused pid gone (another start time)', () => {
    expect(ownerGone({ ...ownerLabels(), [Labels.ownerStart]: '1' })).toBe(true);
  });

  it('never judge containers of another host, or without owner labels', () => {
    expect(
      ownerGone({
        ...ownerLabels(),
        [Labels.ownerHost]: 'another-host',
        [Labels.ownerPid]: '999999999',
      }),
    ).toBe(false);
    expect(ownerGone({ [Labels.managed]: '1' })).toBe(false);
  });
});
