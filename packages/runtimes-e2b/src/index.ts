export { Labels, ownerGone, sandboxLabels } from '@hud/runtime-kit';
export { E2BLease } from './e2b-lease.js';
export { type E2BProvider, E2BRuntime, type E2BRuntimeOptions } from './e2b-runtime.js';
export {
  E2BRuntimeError,
  type E2BRuntimeErrorCode,
  type E2BRuntimeErrorOptions,
  type E2BRuntimePhase,
} from './errors.js';
export { type ReapResult, reapOrphans } from './reap.js';
export { mergeRuntimeConfig, type SandboxSettings, sandboxSettings } from './runtime-config.js';
export { BRIDGE_DIR, BRIDGE_SCRIPT } from './sandbox-bridge.js';
export { type RetryOptions, retryable, statusOf } from './vendor-call.js';
