import { execFileSync } from 'node:child_process';

/** Whether `command` is on the PATH (`sh -c 'command -v <command>'`). */
export function installed(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The `commands` that are not on the PATH, in order (empty: a test needing them can run). */
export function missingCommands(commands: readonly string[]): string[] {
  return commands.filter((command) => !installed(command));
}

/** Whether process `pid` is alive (signal 0 reaches it; a zombie counts as alive until reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
