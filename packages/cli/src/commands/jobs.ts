import type { Command } from 'commander';
import { DEFAULT_STORE } from '../defaults.js';
import type { JobsExportFlags } from './jobs-export.js';
import type { JobsFlags } from './jobs-source.js';

/** `hud jobs [job-id]`: the recent jobs, or the runs of one job, from the platform or the local store. */
export function registerJobs(program: Command): void {
  const jobs = program
    .command('jobs')
    .description(
      'list recent jobs, or show the runs of one job: from the HUD platform (HUD_API_URL) when HUD_API_KEY is set, else from the local job store',
    )
    .argument('[job-id]', 'a job id (a unique prefix is enough)')
    .option('--local', 'read the local job store even when HUD_API_KEY is set')
    .option(
      '--store <dir>',
      `the local job store directory (default ${DEFAULT_STORE}; implies --local)`,
    )
    .option('-n, --limit <count>', 'how many jobs (or runs of a job) to show', '20')
    .option(
      '-f, --follow',
      'follow a running job of the platform live (progress bar, then the summary table) until it ends; Ctrl-C stops following',
    )
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Examples:
  hud jobs                    the 20 newest jobs
  hud jobs 4cbc93cb           the runs of the job whose id starts so
  hud jobs 4cbc93cb --follow  its progress live until it ends (a job of hud eval --remote)`,
    )
    .action(async (jobId: string | undefined, flags: JobsFlags) =>
      (await import('./jobs-source.js')).jobsCommand(jobId, flags),
    );
  jobs
    .command('export')
    .description(
      'write the runs of a local job as JSONL for training (--format rl: prompt/completion messages, reward, group advantage, token ids when captured) or as ATIF v1.7 trajectories (--format atif)',
    )
    .argument('<job-id>', 'a job id of the local store (a unique prefix is enough)')
    .requiredOption('--format <format>', 'rl or atif')
    .option('--store <dir>', `the local job store directory (default ${DEFAULT_STORE})`)
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--normalize-std', 'rl: divide each advantage by its group std + epsilon (GRPO)')
    .option('--epsilon <number>', 'rl: added to the group std before dividing', '1e-6')
    .addHelpText(
      'after',
      `
Examples:
  hud jobs export 4cbc93cb --format rl --out runs.jsonl   one training example per run (docs/rl-export.md)
  hud jobs export 4cbc93cb --format atif > atif.jsonl     one ATIF trajectory per line`,
    )
    // `jobs` has a --store of its own, which commander gives the parent: read both.
    .action(async (jobId: string, _flags: JobsExportFlags, command: Command) =>
      (await import('./jobs-export.js')).jobsExportAction(
        jobId,
        command.optsWithGlobals<JobsExportFlags>(),
      ),
    );
}
