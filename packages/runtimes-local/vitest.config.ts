import { defineProject } from 'vitest/config';

// Tests spawn real child processes (≈0.3 s each on an idle machine): generous deadlines, no timing claims.
export default defineProject({
  test: {
    name: '@hud/runtimes-local',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
