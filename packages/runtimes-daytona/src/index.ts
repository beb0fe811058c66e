export { Labels, ownerGone, sandboxLabels } from '@hud/runtime-kit';
export { DaytonaLease } from './daytona-lease.js';
export {
  type DaytonaProvider,
  DaytonaRuntime,
  type DaytonaRuntimeOptions,
} from './daytona-runtime.js';
export {
  DaytonaRuntimeError,
  type DaytonaRuntimeErrorCode,
  type DaytonaRuntimeErrorOptions,
  type DaytonaRuntimePhase,
} from './errors.js';
export { type ReapResult, reapOrphans } from './reap.js';
export { mergeRuntimeConfig, type SandboxSettings, sandboxSettings } from './runtime-config.js';
export { sshEndpoint } from './ssh-forward.js';
export { type RetryOptions, retryable, statusOf } from './vendor-call.js';
