/** `@hud/testing/scale`: a simulated sandbox vendor for scale benchmarks and tests. */
export { type Sandbox, startSandbox } from './sandbox-server.js';
export {
  ScaleCreateError,
  ScaleProvider,
  type ScaleProviderHandle,
  type ScaleProviderOptions,
  type ScaleStats,
} from './scale-provider.js';
