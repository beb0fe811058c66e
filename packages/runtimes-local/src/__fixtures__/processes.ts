// Test helpers: process liveness checks.
import { readFileSync } from 'node:fs';

/** True when `kill(target, 0)` fails with ESRCH (no such process, or no process in the group for `-pgid`). */
export function noSuchProcess(target: number): boolean {
  try {
    process.kill(target, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Not running: gone, or a zombie left for an init process to reap (Linux `/proc`). */
export function notRunning(pid: number): boolean {
  if (noSuchProcess(pid)) return true;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

/** Polls `check` until it holds or `deadlineMs` passes (a deadline, not a timing assertion). */
export async function eventually(check: () => boolean, deadlineMs = 10_000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
