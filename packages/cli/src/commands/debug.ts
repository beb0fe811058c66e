import type { Command } from 'commander';
import type { DebugFlags } from './debug-image.js';

/** `hud debug <image|dir>`: walk an environment image through its life phase by phase. */
export function registerDebug(program: Command): void {
  program
    .command('debug')
    .description(
      'check an environment image phase by phase: image, container, hello, tasks.list, capabilities, a task',
    )
    .argument('<target>', 'an image (name:tag) or a project directory to build first')
    .option('--max-phase <n>', 'stop after this phase (1-6)', '6')
    .option(
      '-t, --tag <tag>',
      'image tag when the target is a directory (default: <env name>:latest)',
    )
    .option('--ready-timeout <seconds>', 'how long the control port may take to answer', '60')
    .option(
      '--task <id>',
      'template to start in phase 6 (default: from tasks.ts, else one without args)',
    )
    .option('--args <json>', 'args of --task', '{}')
    .option(
      '--build-arg <key=value>',
      'build argument when the target is a directory (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('-v, --verbose', 'show the build output')
    .action(async (target: string, flags: DebugFlags) => {
      process.exitCode = await (await import('./debug-image.js')).debugImage(target, flags);
    });
}
