import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/protocol', include: ['src/**/*.test.ts'] } });
