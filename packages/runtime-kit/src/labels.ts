import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Label (metadata, tag) keys on every sandbox or pod a hud-ts runtime creates: the Docker runtime's labels. */
export const Labels = {
  /** `1` on everything hud-ts manages. */
  managed: 'hud.managed',
  /** The job the sandbox serves. */
  job: 'hud.job',
  /** One id per sandbox: one rollout. */
  run: 'hud.run',
  /** The task row's slug. */
  task: 'hud.task',
  /** Pid of the process that created the sandbox. */
  ownerPid: 'hud.owner.pid',
  /** Host name of that process. */
  ownerHost: 'hud.owner.host',
  /** That process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), against pid reuse. */
  ownerStart: 'hud.owner.start',
} as const;

/**
 * The start time of `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22, as a decimal string), or
 * undefined where `/proc` cannot tell (no such process, not Linux).
 */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that created a sandbox (by its labels) is gone: its `hud.owner.host` is `host`, and its
 * pid is dead or now belongs to a process that started at another time. Sandboxes of other hosts, and those
 * without owner labels, are never judged orphaned.
 * @param options.host this host as the runtime writes it into `hud.owner.host` (default `os.hostname()`).
 */
export function ownerGone(
  labels: Readonly<Record<string, string>>,
  options: { host?: string } = {},
): boolean {
  if (labels[Labels.ownerHost] !== (options.host ?? hostname())) return false;
  const pid = Number(labels[Labels.ownerPid]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return labels[Labels.ownerStart] !== processStartTicks(pid);
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const recorded = labels[Labels.ownerStart];
  const current = processStartTicks(pid);
  return recorded !== undefined && current !== undefined && recorded !== current;
}

/**
 * The metadata of a sandbox: `hud.managed=1`, `hud.job`, a fresh `hud.run` (a UUID), `hud.task`, and this
 * process as owner (`hud.owner.pid`, `hud.owner.host`, `hud.owner.start` where `/proc` tells). `extra` never
 * overrides these.
 */
export function sandboxLabels(options: {
  job: string;
  task: string;
  extra?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const start = processStartTicks(process.pid);
  return {
    ...options.extra,
    [Labels.managed]: '1',
    [Labels.job]: options.job,
    [Labels.run]: randomUUID(),
    [Labels.task]: options.task,
    [Labels.ownerPid]: String(process.pid),
    [Labels.ownerHost]: hostname(),
    ...(start === undefined ? {} : { [Labels.ownerStart]: start }),
  };
}
