import { readdirSync, readFileSync } from 'node:fs';

/**
 * Runs a command in its own process group under a small `sh` watchdog: when the pipe on the watchdog's
 * stdin closes — because we close it, or because this process died, even by SIGKILL — it sends SIGTERM to
 * the command, waits for it, then SIGKILLs the whole group (the command's children included). The
 * command's stderr is the only holder of the stderr pipe, so its end means the command is gone.
 * Positional arguments: the command and its arguments.
 */
export const WATCHDOG_SCRIPT = [
  'exec 3<&0 </dev/null',
  '"$@" &',
  'pid=$!',
  'exec 2>/dev/null',
  "trap '' TERM",
  'read -r _ <&3',
  'kill -TERM "$pid" 2>/dev/null',
  'wait "$pid"',
  'kill -KILL -$$',
].join('\n');

/**
 * Whether any live (non-zombie) process is in process group `pgid`. Reads `/proc` on Linux (a zombie of
 * an orphan nobody reaps still counts for `kill(-pgid, 0)`), else probes with signal 0.
 */
export function processGroupAlive(pgid: number): boolean {
  let entries: string[] | undefined;
  try {
    entries = readdirSync('/proc');
  } catch {
    entries = undefined;
  }
  if (entries === undefined) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // `pid (comm) state ppid pgrp …`; comm may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

/** Polls {@link processGroupAlive} until the group is empty or `timeoutMs` passes; true when empty. */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
