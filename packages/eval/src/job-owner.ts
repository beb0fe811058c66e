import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * The process working on a job, recorded in `job.json` as `owner` when the job starts or resumes:
 * `{pid, host, proc_start}`.
 *
 * Why a pid and not a heartbeat or a lock file: a job killed by SIGKILL (or a second Ctrl-C, which exits at
 * once) leaves `status: "running"` behind, and only something outside the dead process can notice. A
 * heartbeat would need a timer rewriting `job.json` all job long and a staleness threshold (a timing guess);
 * Node has no advisory file locks. A pid is checked at read time for free: if no process has it, the job
 * was interrupted. Pids are reused, so on Linux the process's start time (`/proc/<pid>/stat` field 22, in
 * clock ticks since boot) is recorded too: a live pid with another start time is another process. On
 * other systems a reused pid makes an interrupted job look running — the safe side (never calling a live
 * job interrupted). A job recorded on another host cannot be checked from here.
 */
export interface JobOwner {
  pid: number;
  /** `os.hostname()` of the owner. */
  host: string;
  /** Linux: the process start time from `/proc/<pid>/stat` (clock ticks since boot); else null. */
  proc_start: number | null;
}

/** What can be told about a job's owner from this process: `alive`, `gone`, or `unknown` (another host, no owner). */
export type OwnerState = 'alive' | 'gone' | 'unknown';

/** Field 22 (`starttime`) of `/proc/<pid>/stat`, or undefined where there is no `/proc` or no such process. */
function procStart(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (the command name, in parentheses) may hold spaces and parentheses: count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const value = Number(fields[19]); // fields[0] is field 3 (state), so field 22 is fields[19]
  return Number.isInteger(value) ? value : undefined;
}

/** The owner record of this process. */
export function currentOwner(): JobOwner {
  return { pid: process.pid, host: os.hostname(), proc_start: procStart(process.pid) ?? null };
}

/**
 * Whether `owner` still runs: `gone` when this host has no process with its pid (or one started at
 * another time), `unknown` for another host or no owner. See {@link JobOwner}.
 */
export function ownerState(owner: JobOwner | null | undefined): OwnerState {
  if (!owner || owner.host !== os.hostname()) return 'unknown';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is alive (and surely another process).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  if (owner.proc_start !== null) {
    const started = procStart(owner.pid);
    if (started !== undefined && started !== owner.proc_start) return 'gone';
  }
  return 'alive';
}
