import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ownerGone as kitOwnerGone, processStartTicks } from '@hud/runtime-kit';

/**
 * Labels on every pod the Kubernetes runtime creates (`kubectl get pods -l hud.managed=1`): the same keys as
 * the Docker runtime's container labels. The task slug goes in the annotation `hud.task` (a slug may hold
 * characters a label value cannot).
 */
export const Labels = {
  /** `1` on everything hud-ts manages. */
  managed: 'hud.managed',
  /** The job the pod serves. */
  job: 'hud.job',
  /** One id per pod: one rollout (hud-python's trace id is not known yet when the pod is created). */
  run: 'hud.run',
  /** Pid of the process that created the pod. */
  ownerPid: 'hud.owner.pid',
  /** Host name of that process (label-safe): pods of other hosts are never reaped from here. */
  ownerHost: 'hud.owner.host',
  /** That process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), against pid reuse. */
  ownerStart: 'hud.owner.start',
} as const;

/** The annotation carrying the task slug. */
export const TASK_ANNOTATION = 'hud.task';

/**
 * `value` as a label value: at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric
 * (others become `-`); `''` stays `''`.
 */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}

/** The owner labels of this process. */
export function ownerLabels(): Record<string, string> {
  const labels: Record<string, string> = {
    [Labels.ownerPid]: String(process.pid),
    [Labels.ownerHost]: labelValue(hostname()),
  };
  const start = processStartTicks(process.pid);
  if (start !== undefined) labels[Labels.ownerStart] = start;
  return labels;
}

/**
 * Whether the process that created a pod (by its labels) is gone: same host, and its pid is dead or now
 * belongs to a process that started at another time. Pods of other hosts, and pods without owner labels,
 * are never judged orphaned.
 */
export function ownerGone(labels: Readonly<Record<string, string>>): boolean {
  return kitOwnerGone(labels, { host: labelValue(hostname()) });
}

/**
 * The labels of a pod hud-ts creates: `hud.managed=1`, `hud.job`, a fresh `hud.run`, this process as
 * owner; `extra` labels never override these.
 */
export function podLabels(options: {
  job: string;
  extra?: Readonly<Record<string, string>>;
}): Record<string, string> {
  return {
    ...options.extra,
    [Labels.managed]: '1',
    [Labels.job]: labelValue(options.job),
    [Labels.run]: randomUUID(),
    ...ownerLabels(),
  };
}
