import path from 'node:path';
import { DEFAULT_STORE } from '../defaults.js';
import { PlatformError } from '../platform/client.js';
import { recordSource } from './jobs-source.js';
import type { TraceFlags } from './trace-show.js';

/**
 * The action of `hud trace <trace-id>`: from the platform when `HUD_API_KEY` is set (see
 * {@link recordSource}), else `showTrace` over the local store (each loaded only when used). A trace the platform does not know
 * but the default local store holds (a run made without a key) is shown from the store, with a note.
 * @throws PlatformError from the platform (the 404 when neither has the trace); as `showTrace`.
 */
export async function traceCommand(traceId: string, flags: TraceFlags): Promise<void> {
  // ATIF is written from the local store's run records.
  const client = flags.format === undefined ? recordSource(flags) : undefined;
  if (!client) return (await import('./trace-show.js')).showTrace(traceId, flags);
  const { gatewayTrace } = await import('./trace-gateway.js');
  try {
    await gatewayTrace(client, traceId, flags);
  } catch (error) {
    if (!PlatformError.isInstance(error) || error.code !== 'not_found') throw error;
    const { JobStore } = await import('@hud/eval');
    const local = await new JobStore(path.resolve(DEFAULT_STORE))
      .readTrace(traceId, flags.job ? { jobId: flags.job } : {})
      .catch(() => undefined);
    if (!local) throw error;
    console.error(
      `note: ${client.urls.api} has no trace ${traceId}; showing it from ${DEFAULT_STORE}`,
    );
    await (await import('./trace-show.js')).showTrace(traceId, flags);
  }
}
