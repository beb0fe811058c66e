import type { V1Pod } from '@kubernetes/client-node';

/** Waiting reasons after which a container will not start without a change to the pod. */
const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
  'RunContainerError',
]);

/** Whether the pod's Ready condition is True. */
export function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some(
    (condition) => condition.type === 'Ready' && condition.status === 'True',
  );
}

/** Whether the pod has ended (`Failed` or `Succeeded`: with `restartPolicy: Never` it never runs again). */
export function hasEnded(pod: V1Pod): boolean {
  return pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
}

/** The exit code of the pod's first terminated container, if any. */
export function exitCode(pod: V1Pod): number | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const code = status.state?.terminated?.exitCode;
    if (code !== undefined) return code;
  }
  return undefined;
}

/** `reason: message` of a container waiting for a reason it will not get past, if one is. */
export function fatalWaiting(pod: V1Pod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
      return waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason;
    }
  }
  return undefined;
}

/**
 * One line on where the pod is: its phase, its reason/message, the container's waiting or terminated
 * state, and the conditions that are not True (e.g. `Pending (PodScheduled=False Unschedulable: 0/3
 * nodes are available)`).
 */
export function describePod(pod: V1Pod | undefined): string {
  if (!pod) return 'deleted';
  const status = pod.status ?? {};
  const parts: string[] = [status.phase ?? 'Unknown'];
  if (status.reason)
    parts.push(status.message ? `${status.reason}: ${status.message}` : status.reason);
  for (const container of status.containerStatuses ?? []) {
    const { waiting, terminated } = container.state ?? {};
    if (waiting?.reason)
      parts.push(`container ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`);
    if (terminated) {
      parts.push(
        `container terminated with exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`,
      );
    }
  }
  for (const condition of status.conditions ?? []) {
    if (condition.status !== 'True' && (condition.reason || condition.message)) {
      parts.push(
        `${condition.type}=${condition.status}${condition.reason ? ` ${condition.reason}` : ''}${condition.message ? `: ${condition.message}` : ''}`,
      );
    }
  }
  return parts.length === 1 ? (parts[0] as string) : `${parts[0]} (${parts.slice(1).join('; ')})`;
}
