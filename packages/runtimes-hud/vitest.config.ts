import { defineProject } from 'vitest/config';

// Tests run a real gateway (fastify on 127.0.0.1) and real sockets: generous deadlines, no timing claims.
export default defineProject({
  test: {
    name: '@hud/runtimes-hud',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
