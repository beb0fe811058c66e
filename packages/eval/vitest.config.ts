import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/eval', include: ['src/**/*.test.ts'] } });
