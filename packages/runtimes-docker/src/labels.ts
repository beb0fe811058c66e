import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Labels on every container the Docker runtime creates (`docker ps --filter label=hud.managed`). */
export const Labels = {
  /** `1` on everything hud-ts manages. */
  managed: 'hud.managed',
  /** The job the container serves (the eval job id, or the provider's own id outside a job). */
  job: 'hud.job',
  /** One id per container: one rollout. */
  run: 'hud.run',
  /** The task row's slug. */
  task: 'hud.task',
  /** Pid of the process that created the container. */
  ownerPid: 'hud.owner.pid',
  /** Host name of that process (containers of other hosts sharing the engine are never reaped). */
  ownerHost: 'hud.owner.host',
  /** That process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), against pid reuse. */
  ownerStart: 'hud.owner.start',
} as const;

/** The start time of `pid` in clock ticks since boot, or undefined where `/proc` cannot tell. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is parenthesised and may hold spaces: count fields after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall
  } catch {
    return undefined;
  }
}

/** The owner labels of this process. */
export function ownerLabels(): Record<string, string> {
  const labels: Record<string, string> = {
    [Labels.ownerPid]: String(process.pid),
    [Labels.ownerHost]: hostname(),
  };
  const start = processStartTicks(process.pid);
  if (start !== undefined) labels[Labels.ownerStart] = start;
  return labels;
}

/**
 * Whether the process that created a container (by its labels) is gone: same host, and its pid is dead or
 * now belongs to a process that started at another time. Containers of other hosts, and containers without
 * owner labels, are never judged orphaned.
 */
export function ownerGone(labels: Readonly<Record<string, string>>): boolean {
  if (labels[Labels.ownerHost] !== hostname()) return false;
  const pid = Number(labels[Labels.ownerPid]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return labels[Labels.ownerStart] !== processStartTicks(pid);
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const recorded = labels[Labels.ownerStart];
  const current = processStartTicks(pid);
  return recorded !== undefined && current !== undefined && recorded !== current;
}

/**
 * The labels of a container hud-ts creates: `hud.managed=1`, `hud.job`, a fresh `hud.run`, `hud.task` when
 * given, and this process as owner (so {@link ownerGone} can tell when it is orphaned). `extra` labels
 * never override these.
 */
export function containerLabels(options: {
  job: string;
  task?: string;
  extra?: Readonly<Record<string, string>>;
}): Record<string, string> {
  return {
    ...options.extra,
    [Labels.managed]: '1',
    [Labels.job]: options.job,
    [Labels.run]: randomUUID(),
    ...(options.task === undefined ? {} : { [Labels.task]: options.task }),
    ...ownerLabels(),
  };
}
