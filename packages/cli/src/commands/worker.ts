import type { Command } from 'commander';
import type { WorkerFlags } from '../worker/worker-action.js';

/** `hud worker`: run the rollouts a gateway queued (`hud eval … --remote`) on this machine. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      "run rollouts queued on a gateway (hud eval … --remote) on this machine: claims leases, runs each in the environment's deployed image (or an env file here with --runtime local), reports the verdicts; Ctrl-C gives running leases back",
    )
    .option('--gateway <url>', 'the gateway (default HUD_API_URL); the key is HUD_API_KEY')
    .option(
      '--runtime <runtime>',
      "docker (the environment's deployed image) | local (an env file of this directory declaring it)",
      'docker',
    )
    .option('--concurrency <n>', 'rollouts at once (default 4)')
    .option('--name <name>', 'the name the gateway shows (default <host>-<pid>)')
    .option('--ready-timeout <seconds>', 'limit on an environment becoming ready')
    .option('-v, --verbose', 'runtime debug lines', (_value: string, count: number) => count + 1, 0)
    .action(async (flags: WorkerFlags) =>
      (await import('../worker/worker-action.js')).workerAction(flags),
    );
}
