import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/e2e', include: ['src/**/*.test.ts'] } });
