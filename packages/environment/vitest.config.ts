import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// Deadlines, not timing claims: CI runs every package's suite on 2 shared cores.
export default defineProject({
  // The tests serve examples/conformance/env.ts, which imports `@hud/environment`: on these sources.
  resolve: {
    alias: [
      {
        find: /^@hud\/environment$/,
        replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: '@hud/environment',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
