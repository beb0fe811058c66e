// Test helpers: fixture paths, task rows, and process liveness checks.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@hud/environment';
import type { TaskRow } from '@hud/protocol';

export const fixture = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

export const CONFORMANCE_ENV = fileURLToPath(
  new URL('../../../../examples/conformance/env.ts', import.meta.url),
);

export const row = (env: string, id: string, args: Record<string, unknown> = {}): TaskRow => ({
  env,
  id,
  args: args as TaskRow['args'],
  slug: `${env}-${id}`,
});

export const countRow = (): TaskRow => ({
  env: 'conformance',
  id: 'count',
  args: { text: 'banana', letter: 'a' },
  slug: 'x',
});

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

/** A logger recording debug lines, from which the pids a provider spawned are read. */
export function recordingLogger(): Logger & { lines: string[]; spawnedPids(): number[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (message) => lines.push(message),
    warn: (message) => lines.push(message),
    error: (message) => lines.push(message),
    spawnedPids: () =>
      lines.flatMap((line) => {
        const match = /spawned pid (\d+)/.exec(line);
        return match ? [Number(match[1])] : [];
      }),
  };
}
