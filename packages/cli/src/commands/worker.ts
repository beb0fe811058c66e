import type { Command } from 'commander';
import type { WorkerFlags } from '../worker/worker-action.js';

/** `hud worker`: run the rollouts a gateway queued (`hud eval … --remote`) on this machine. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      "run rollouts queued on a gateway (hud eval … --remote) and serve its environment sessions (hud eval … --runtime hud) on this machine: claims leases, runs each in the environment's deployed image (or an env file here with --runtime local), reports the verdicts; Ctrl-C gives running leases back",
    )
    .option(
      '--gateway <url>',
      "the gateway (default HUD_API_URL); the key is HUD_API_KEY: a key of the team whose work it runs, or an admin key of the gateway's first team to serve every team",
    )
    .option(
      '--runtime <runtime>',
      "docker (the environment's deployed image) | local (an env file of this directory declaring it)",
      'docker',
    )
    .option('--concurrency <n>', 'rollouts at once, and as many sessions (default 4)')
    .option('--name <name>', 'the name the gateway shows (default <host>-<pid>)')
    .option(
      '--ready-timeout <seconds>',
      "limit on an environment becoming ready (default: the runtime's)",
    )
    .option('-v, --verbose', 'runtime debug lines', (_value: string, count: number) => count + 1, 0)
    .addHelpText(
      'after',
      `
Examples:
  HUD_API_URL=http://127.0.0.1:7600 HUD_API_KEY=<key> hud worker
      run deployed environments in Docker, 4 at once
  cd examples/letter-count && hud worker --runtime local --concurrency 8
      serve the environments this folder's env files declare (no deploy needed)
  hud eval letter-count claude --remote
      (elsewhere) queue a platform taskset's rollouts for the workers and follow the job`,
    )
    .action(async (flags: WorkerFlags) =>
      (await import('../worker/worker-action.js')).workerAction(flags),
    );
}
