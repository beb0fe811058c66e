import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@hud/runtimes-kubernetes',
    include: ['src/**/*.test.ts'],
    // Real containers behind a fake API server on 2 loaded cores: generous bounds, never timing assertions.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
