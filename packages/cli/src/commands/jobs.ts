import type { Command } from 'commander';
import { DEFAULT_STORE } from '../defaults.js';
import type { JobsFlags } from './jobs-action.js';

/** `hud jobs [job-id]`: the jobs in the local store, or the runs of one job. */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list the jobs in the local store, or show the runs of one job')
    .argument('[job-id]', 'a job id (a unique prefix is enough)')
    .option('--store <dir>', 'job store directory', DEFAULT_STORE)
    .option('--json', 'print JSON instead of a table')
    .action(async (jobId: string | undefined, flags: JobsFlags) =>
      (await import('./jobs-action.js')).jobsAction(jobId, flags),
    );
}
