import type { Command } from 'commander';

/** `hud task list|start|grade` and the `hud scenario` aliases (written in a later commit). */
export function registerTask(_program: Command): void {}
