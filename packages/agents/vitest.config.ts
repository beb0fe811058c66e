import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@hud/agents', include: ['src/**/*.test.ts'] } });
