import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/runtimes-docker', include: ['src/**/*.test.ts'] } });
