export {
  type ContainerExit,
  type ContainerSpec,
  HudContainer,
  LOG_TAIL_LINES,
  SECURITY_OPTS,
} from './container.js';
export { demuxLogs } from './container-logs.js';
export { DockerLease } from './docker-lease.js';
export {
  type DockerContainerInfo,
  type DockerProvider,
  DockerRuntime,
  type DockerRuntimeOptions,
} from './docker-runtime.js';
export { dockerAvailable } from './engine.js';
export {
  DockerRuntimeError,
  type DockerRuntimeErrorCode,
  type DockerRuntimeErrorOptions,
  type DockerRuntimePhase,
} from './errors.js';
export {
  type BuildImageOptions,
  type BuiltImage,
  buildImage,
  contextFilter,
  imageExists,
} from './image-build.js';
export { containerLabels, Labels, ownerGone, ownerLabels } from './labels.js';
export {
  listManagedContainers,
  type ManagedContainer,
  type ReapResult,
  reapOrphans,
  removeContainers,
} from './reap.js';
export {
  type ContainerSettings,
  containerSettings,
  mergeRuntimeConfig,
} from './runtime-config.js';
