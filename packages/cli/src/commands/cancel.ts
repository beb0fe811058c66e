import type { Command } from 'commander';
import type { CancelFlags } from '../platform/cancel-action.js';

/** `hud cancel [job] [--trace-id id] [--all]`: ask the platform to stop running rollouts. */
export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description(
      'cancel a running job on the HUD platform (HUD_API_URL), one of its runs (--trace-id), or all your running jobs (--all)',
    )
    .argument('[job-id]', 'the job to cancel')
    .option('-t, --trace-id <id>', 'cancel only this run (trace)')
    .option('-a, --all', 'cancel every running job of your team')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', "print the platform's answer as JSON")
    .action(async (jobId: string | undefined, flags: CancelFlags) =>
      (await import('../platform/cancel-action.js')).cancelAction(jobId, flags),
    );
}
