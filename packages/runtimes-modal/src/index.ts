export { Labels, ownerGone, sandboxLabels } from '@hud/runtime-kit';
export {
  ModalRuntimeError,
  type ModalRuntimeErrorCode,
  type ModalRuntimeErrorOptions,
  type ModalRuntimePhase,
} from './errors.js';
export { ModalLease } from './modal-lease.js';
export { type ModalProvider, ModalRuntime, type ModalRuntimeOptions } from './modal-runtime.js';
export { mergeRuntimeConfig, type SandboxSettings, sandboxSettings } from './runtime-config.js';
export { type RetryOptions, retryable, statusOf } from './vendor-call.js';
