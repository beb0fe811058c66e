/**
 * The hud-python 0.6.16 conformance environment for this package's tests: the one port in
 * `examples/conformance/env.ts`, built on this package's sources (vitest.config.ts and tsconfig.json map
 * `@hud/environment` to `src/index.ts`). Each call is a fresh copy.
 */
export { conformanceEnv } from '../../../../examples/conformance/env.js';
