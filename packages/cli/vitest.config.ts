import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/cli', include: ['src/**/*.test.ts'] } });
