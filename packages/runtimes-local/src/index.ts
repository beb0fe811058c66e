export type { ChildExit } from './child-server.js';
export { resolveEnvSource } from './env-source.js';
export {
  LocalRuntimeError,
  type LocalRuntimeErrorCode,
  type LocalRuntimeErrorOptions,
  type RuntimePhase,
} from './errors.js';
export {
  type EnvironmentSource,
  type InProcessLease,
  type InProcessProvider,
  InProcessRuntime,
  type InProcessRuntimeOptions,
} from './in-process-runtime.js';
export type { LocalLease } from './local-lease.js';
export {
  type LocalChildInfo,
  type LocalChildState,
  type LocalProvider,
  LocalRuntime,
  type LocalRuntimeOptions,
} from './local-runtime.js';
export { attachRuntime, type TcpProvider, TcpRuntime } from './tcp-runtime.js';
