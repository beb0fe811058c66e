import { tmpdir } from 'node:os';
import { defineProject } from 'vitest/config';

// Deadlines, not timing claims: CI runs every package's suite on 2 shared cores.
export default defineProject({
  test: {
    name: '@hud/graders',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // BashGrader runs `bash -lc`, a login shell that reads $HOME/.profile. A machine's profile may run
    // tools that take a lock (pyenv rehash), and a test that kills the process group mid-profile leaves
    // the lock behind, hanging every later login shell. The tests assert the grader, not the profile.
    env: { HOME: tmpdir() },
  },
});
