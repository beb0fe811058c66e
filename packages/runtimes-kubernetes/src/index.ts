export { loadKubeConfig, type RetryPolicy, retryable } from './client.js';
export {
  KubernetesRuntimeError,
  type KubernetesRuntimeErrorCode,
  type KubernetesRuntimeErrorOptions,
  type KubernetesRuntimePhase,
} from './errors.js';
export {
  type KubernetesProvider,
  KubernetesRuntime,
  type KubernetesRuntimeOptions,
} from './kubernetes-runtime.js';
export {
  Labels,
  labelValue,
  ownerGone,
  ownerLabels,
  podLabels,
  TASK_ANNOTATION,
} from './labels.js';
export { KubernetesLease } from './lease.js';
export { LOG_TAIL_LINES, type PodReach } from './pod.js';
export { CONTAINER_NAME, type PodSpecInput, podManifest, podName } from './pod-spec.js';
export { describePod } from './pod-status.js';
export { listManagedPods, type ManagedPod, type ReapResult, reapOrphans } from './reap.js';
export { mergeRuntimeConfig, type PodSettings, podSettings } from './runtime-config.js';
