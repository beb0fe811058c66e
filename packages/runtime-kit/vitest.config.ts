import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@hud/runtime-kit',
    include: ['src/**/*.test.ts'],
    // Pure helpers and real child processes only.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
