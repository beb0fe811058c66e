export { abortable } from './abortable.js';
export {
  type SandboxRuntimeErrorClass,
  type SandboxRuntimeErrorCode,
  type SandboxRuntimeErrorFields,
  type SandboxRuntimeErrorOptions,
  type SandboxRuntimePhase,
  sandboxRuntimeError,
} from './errors.js';
export { Labels, ownerGone, processStartTicks, sandboxLabels } from './labels.js';
export { OutputTail } from './output-tail.js';
export {
  mergeRuntimeConfig,
  type RuntimeConfigError,
  type RuntimeConfigErrorCode,
  RuntimeConfigReader,
  type SandboxSettings,
  type SandboxSettingsOptions,
  sandboxSettings,
} from './runtime-config.js';
export { SandboxLease, type SandboxLeaseOptions } from './sandbox-lease.js';
export {
  awaitHello,
  removeAll,
  type SandboxPool,
  type SandboxProvider,
  sandboxProvider,
} from './sandbox-provider.js';
export {
  type BoundVendorCall,
  type RetryOptions,
  type VendorCallOptions,
  type VendorProfile,
  vendorCall,
  vendorCaller,
} from './vendor-call.js';
