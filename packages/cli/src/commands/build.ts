import type { Command } from 'commander';
import type { BuildFlags } from './build-action.js';

/** `hud build [dir]`: build the environment image without network and record it for `hud eval`. */
export function registerBuild(program: Command): void {
  program
    .command('build')
    .description(
      'build the environment image (bundles env and hud CLI; Dockerfile.hud, else Dockerfile) for --runtime docker',
    )
    .argument('[dir]', 'project directory holding env.ts', '.')
    .option('-t, --tag <tag>', 'image tag (default: <env name>:latest)')
    .option('--env <name>', 'the environment to serve when the env file declares several')
    .option(
      '-f, --file <dockerfile>',
      'Dockerfile relative to the project (default Dockerfile.hud, else Dockerfile)',
    )
    .option(
      '--build-arg <key=value>',
      'build argument (repeatable), e.g. BASE=node:24-slim',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--no-cache', 'do not use cached layers')
    .option('-v, --verbose', 'show every line the engine prints')
    .action(async (dir: string, flags: BuildFlags) =>
      (await import('./build-action.js')).buildAction(dir, flags),
    );
}
