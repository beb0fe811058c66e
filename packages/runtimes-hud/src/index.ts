export { HudRuntimeError, type HudRuntimeErrorCode } from './errors.js';
export {
  DEFAULT_RUNTIME_URL,
  type HudLease,
  type HudProvider,
  HudRuntime,
  type HudRuntimeOptions,
} from './hud-runtime.js';
export { checkRuntimeConfig, type IgnoredResource } from './runtime-config.js';
