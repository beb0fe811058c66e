import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/graders', include: ['src/**/*.test.ts'] } });
