import { defineProject } from 'vitest/config';

// Deadlines, not timing claims: CI runs every package's suite on 2 shared cores.
export default defineProject({
  test: {
    name: '@hud/train',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
