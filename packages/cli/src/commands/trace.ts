import type { Command } from 'commander';
import { DEFAULT_STORE } from '../defaults.js';
import type { TraceFlags } from './trace-show.js';

/** `hud trace <trace-id>`: the steps of one run from the local store. */
export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('show the step timeline of one run from the local store')
    .argument('<trace-id>', 'the trace id (hud jobs <job> lists them)')
    .option('--store <dir>', 'job store directory', DEFAULT_STORE)
    .option('--job <job-id>', 'the job holding the trace (faster in a large store)')
    .option('--json', 'print the steps as JSON lines')
    .action(async (traceId: string, flags: TraceFlags) =>
      (await import('./trace-show.js')).showTrace(traceId, flags),
    );
}
