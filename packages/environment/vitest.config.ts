import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/environment', include: ['src/**/*.test.ts'] } });
