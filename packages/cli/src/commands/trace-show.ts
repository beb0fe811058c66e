import path from 'node:path';
import { JobStore } from '@hud/eval';
import { renderTrace } from './trace-render.js';

/** The flags of `hud trace` as commander parses them. */
export interface TraceFlags {
  store: string;
  job?: string;
  json?: boolean;
}

/**
 * The action of `hud trace <trace-id>`: the steps of the run from the job store, as a timeline or as JSON
 * lines.
 * @throws HudEvalError `job_not_found` when no job holds the trace; `store_corrupt`.
 */
export async function showTrace(traceId: string, flags: TraceFlags): Promise<void> {
  const store = new JobStore(path.resolve(flags.store));
  const steps = await store.readTrace(traceId, { jobId: flags.job });
  if (flags.json) {
    for (const step of steps) console.log(JSON.stringify(step));
    return;
  }
  console.log(`trace ${traceId}: ${steps.length} step${steps.length === 1 ? '' : 's'}`);
  console.log(renderTrace(steps));
}
