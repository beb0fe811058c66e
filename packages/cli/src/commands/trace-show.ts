import path from 'node:path';
import { JobStore } from '@hud/eval';
import { DEFAULT_STORE } from '../defaults.js';
import type { SourceFlags } from './jobs-source.js';
import { renderTrace } from './trace-render.js';

/** The flags of `hud trace` as commander parses them. */
export interface TraceFlags extends SourceFlags {
  job?: string;
  json?: boolean;
  /** `atif`: the run as an ATIF trajectory instead of the timeline. */
  format?: string;
}

/**
 * `hud trace <trace-id>` over the local store: the steps of the run from the job store, as a timeline or
 * as JSON lines.
 * @throws HudEvalError `job_not_found` when no job holds the trace; `store_corrupt`.
 */
export async function showTrace(traceId: string, flags: TraceFlags): Promise<void> {
  const store = new JobStore(path.resolve(flags.store ?? DEFAULT_STORE));
  if (flags.format !== undefined) {
    const { traceAtif } = await import('./trace-atif.js');
    return console.log(JSON.stringify(await traceAtif(store, traceId, flags), null, 2));
  }
  const steps = await store.readTrace(traceId, flags.job ? { jobId: flags.job } : {});
  if (flags.json) {
    for (const step of steps) console.log(JSON.stringify(step));
    return;
  }
  console.log(`trace ${traceId}: ${steps.length} step${steps.length === 1 ? '' : 's'}`);
  console.log(renderTrace(steps));
}
