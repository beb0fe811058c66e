import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { readProcTable } from './proc-table.js';

describe('readProcTable', () => {
  it('lists a real child with its parent, process group and state, and not once it is reaped', async () => {
    const child = spawn('sleep', ['30'], { detached: true });
    try {
      await once(child, 'spawn');
      const entry = readProcTable()?.find((process) => process.pid === child.pid);
      expect(entry).toMatchObject({ pid: child.pid, ppid: process.pid, pgrp: child.pid });
      expect(entry?.state).toMatch(/^[RSD]$/);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(readProcTable()?.some((process) => process.pid === child.pid)).toBe(false);
  });
});
