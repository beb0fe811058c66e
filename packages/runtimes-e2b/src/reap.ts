import { hostname } from 'node:os';
import { Labels, ownerGone } from '@hud/runtime-kit';
import { Sandbox } from 'e2b';
import type { RetryOptions } from './vendor-call.js';
import { vendorCall } from './vendor-call.js';

/** What {@link reapOrphans} removed. */
export interface ReapResult {
  /** Ids of the orphaned sandboxes killed. */
  readonly removed: readonly string[];
  /** The jobs they belonged to. */
  readonly jobs: readonly string[];
}

/**
 * Kills the sandboxes of earlier jobs whose owner process is gone (a `hud eval` killed with SIGKILL): those
 * listed with the metadata `hud.managed=1` and this host's `hud.owner.host`, whose `hud.owner.pid` no longer
 * runs (or now belongs to another process). Sandboxes of live processes and other hosts are left alone.
 * @throws E2BRuntimeError naming `Sandbox.list` or `Sandbox.kill` when E2B keeps refusing.
 */
export async function reapOrphans(
  options: { apiKey?: string; apiUrl?: string; domain?: string; retry?: RetryOptions } = {},
): Promise<ReapResult> {
  const connection = {
    apiKey: options.apiKey,
    apiUrl: options.apiUrl,
    domain: options.domain,
    retries: 0,
  };
  const paginator = Sandbox.list({
    ...connection,
    query: { metadata: { [Labels.managed]: '1', [Labels.ownerHost]: hostname() } },
  });
  const removed: string[] = [];
  const jobs = new Set<string>();
  while (paginator.hasNext) {
    const page = await vendorCall('Sandbox.list', () => paginator.nextItems(), {
      ...options.retry,
    });
    for (const info of page) {
      if (!ownerGone(info.metadata)) continue;
      await vendorCall('Sandbox.kill', () => Sandbox.kill(info.sandboxId, connection), {
        ...options.retry,
        sandboxId: info.sandboxId,
        phase: 'teardown',
      });
      removed.push(info.sandboxId);
      const job = info.metadata[Labels.job];
      if (job) jobs.add(job);
    }
  }
  return { removed, jobs: [...jobs] };
}
