import type { Command } from 'commander';
import type { SyncTasksFlags } from './sync-action.js';
import type { SyncEnvFlags } from './sync-env-action.js';

const repeat = (value: string, all: string[]) => [...all, value];

/**
 * `hud sync [tasks|env]` (hud-python 0.6.16, spec §9.7): `sync tasks` diffs a local taskset against the
 * platform's by slug and uploads the changes; `sync env` links the directory to a registry environment;
 * bare `hud sync` is `sync tasks` with the taskset linked in `.hud/config.json`. The actions (and the
 * platform client) load only when one runs.
 */
export function registerSync(program: Command): void {
  const sync = program
    .command('sync')
    .description(
      'sync local tasks to a platform taskset (bare `hud sync`: the taskset linked in .hud/config.json)',
    )
    // Bare sync's flags are read from its arguments, not declared: a declared `-y` here would take the
    // `-y` of `hud sync tasks … -y` (commander parses a parent's options from the whole command line).
    .usage('[-y] [--dry-run] | tasks … | env …')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nBare sync: -y uploads without asking; --dry-run shows the diff only.')
    .action(async (_flags: unknown, command: Command) =>
      (await import('./sync-action.js')).syncLinked(command.args),
    );
  sync
    .command('tasks')
    .description(
      'diff local tasks against a platform taskset by slug, then create and update (never delete) tasks',
    )
    .argument('[taskset]', 'taskset name or id (default: the linked tasksetId)')
    .argument('[source]', 'tasks: a .ts/.js module, a directory, .json or .jsonl', '.')
    .option('--id <id>', 'the taskset id (wins over the name)')
    .option('--task <slug>', 'sync only this task (repeatable)', repeat, [])
    .option('--exclude <slug>', 'leave this task out (repeatable)', repeat, [])
    .option('--dry-run', 'show the diff, upload nothing')
    .option('--force', 'upload every local task, without reading the remote taskset')
    .option(
      '--export <file>',
      'write the remote taskset to a .json, .jsonl or .csv file instead of syncing',
    )
    .option('-y, --yes', 'upload without asking')
    .action(async (taskset: string | undefined, source: string, flags: SyncTasksFlags) =>
      (await import('./sync-action.js')).syncTasks(taskset, source, flags),
    );
  sync
    .command('env')
    .description('link a directory to an environment of the platform registry')
    .argument('[name]', 'environment name or id (default: the linked one, or the only one)')
    .argument('[dir]', 'the project directory holding .hud/config.json', '.')
    .option('-y, --yes', 'do not ask')
    .action(async (name: string | undefined, dir: string, flags: SyncEnvFlags) =>
      (await import('./sync-env-action.js')).syncEnv(name, dir, flags),
    );
}
