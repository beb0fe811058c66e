import { defineProject } from 'vitest/config';

// Deadlines, not timing claims: CI runs every package's suite on 2 shared cores. The global setup starts
// one real PostgreSQL 15 cluster for the whole run (or says why it cannot; those tests then skip).
export default defineProject({
  test: {
    name: '@hud/gateway',
    include: ['src/**/*.test.ts'],
    globalSetup: ['./src/testing/postgres-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
