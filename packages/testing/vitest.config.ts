import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/testing', include: ['src/**/*.test.ts'] } });
