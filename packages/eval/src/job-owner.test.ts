import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { currentOwner, ownerState } from './job-owner.js';
import { jobState } from './job-state.js';

/** The pid of a real child process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid as number;
  await once(child, 'exit');
  return pid;
}

describe('job owner', () => {
  it('records this process and finds it alive', () => {
    const owner = currentOwner();
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });
    if (process.platform === 'linux') expect(owner.proc_start).toEqual(expect.any(Number));
    expect(ownerState(owner)).toBe('alive');
    expect(jobState({ status: 'running', owner })).toBe('running');
  });

  it('calls a running job whose process has exited interrupted', async () => {
    const owner = { ...currentOwner(), pid: await deadPid() };
    expect(ownerState(owner)).toBe('gone');
    expect(jobState({ status: 'running', owner })).toBe('interrupted');
    // A finished job keeps its status whatever became of its process.
    expect(jobState({ status: 'completed', owner })).toBe('completed');
    expect(jobState({ status: 'cancelled', owner })).toBe('cancelled');
  });

  it.runIf(process.platform === 'linux')(
    'treats a live pid with another start time as a reused pid: the owner is gone',
    () => {
      const owner = currentOwner();
      expect(ownerState({ ...owner, proc_start: (owner.proc_start as number) + 1 })).toBe('gone');
    },
  );

  it('cannot tell for another host or a job without an owner', () => {
    expect(ownerState({ ...currentOwner(), host: `not-${os.hostname()}` })).toBe('unknown');
    expect(jobState({ status: 'running', owner: undefined })).toBe('running');
  });
});
