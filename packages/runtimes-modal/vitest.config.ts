import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@hud/runtimes-modal',
    include: ['src/**/*.test.ts'],
    // Real servers and containers on 2 loaded cores: generous bounds, never timing assertions.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
