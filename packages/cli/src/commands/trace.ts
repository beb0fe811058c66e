import type { Command } from 'commander';
import { DEFAULT_STORE } from '../defaults.js';
import type { TraceFlags } from './trace-show.js';

/** `hud trace <trace-id>`: the steps of one run, from the platform or the local store. */
export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description(
      'show the step timeline of one run: from the HUD platform (HUD_API_URL) when HUD_API_KEY is set, else from the local job store',
    )
    .argument('<trace-id>', 'the trace id (hud jobs <job> lists them)')
    .option('--local', 'read the local job store even when HUD_API_KEY is set')
    .option(
      '--store <dir>',
      `the local job store directory (default ${DEFAULT_STORE}; implies --local)`,
    )
    .option('--job <job-id>', 'the local job holding the trace (faster in a large store)')
    .option('--json', 'print the steps as JSON lines')
    .option(
      '--format <format>',
      'atif: print the run as an ATIF v1.7 trajectory (from the local store; needs @hud/harbor)',
    )
    .action(async (traceId: string, flags: TraceFlags) =>
      (await import('./trace-command.js')).traceCommand(traceId, flags),
    );
}
