import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/runtimes-local', include: ['src/**/*.test.ts'] } });
