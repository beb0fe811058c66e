import { type Command, Option } from 'commander';
import type { DeployFlags } from './deploy-action.js';

const collect = (value: string, all: string[]) => [...all, value];

/**
 * `hud deploy [dir]`: build the environment on the platform (hud.ai or a `hud gateway`) and link the
 * project to it (hud-python 0.6 `hud deploy`, spec §9.6). The work is in `deploy-action.ts`, loaded only
 * when the command runs.
 */
export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description(
      'upload the environment (Dockerfile.hud, else Dockerfile) and build a new version of it on the platform',
    )
    .argument('[dir]', 'project directory', '.')
    .option('-a, --all', 'deploy each child directory that has a Dockerfile.hud or Dockerfile')
    .option(
      '-e, --env <key=value>',
      'environment variable of the deployed environment (repeatable)',
      collect,
      [],
    )
    .option('--env-file <path>', 'read environment variables from a .env file')
    .option('--build-arg <key=value>', 'build argument (repeatable)', collect, [])
    .option(
      '--secret <spec>',
      'build secret for RUN --mount=type=secret: id=X,env=VAR or id=X,src=path (repeatable)',
      collect,
      [],
    )
    .option('--no-cache', 'do not use cached layers')
    .addOption(
      new Option('--registry-id <id>', 'the registry entry to deploy a new version of').hideHelp(),
    )
    .action(async (dir: string, flags: DeployFlags) =>
      (await import('./deploy-action.js')).deployAction(dir, flags),
    );
}
