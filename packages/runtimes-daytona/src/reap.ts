import { hostname } from 'node:os';
import { Daytona } from '@daytonaio/sdk';
import { Labels, ownerGone } from '@hud/runtime-kit';
import { DaytonaRuntimeError } from './errors.js';
import { type RetryOptions, vendorCall } from './vendor-call.js';

/** What {@link reapOrphans} removed. */
export interface ReapResult {
  /** Ids of the orphaned sandboxes deleted. */
  readonly removed: readonly string[];
  /** The jobs they belonged to. */
  readonly jobs: readonly string[];
}

/**
 * Deletes the sandboxes of earlier jobs whose owner process is gone (a `hud eval` killed with SIGKILL):
 * those listed with the labels `hud.managed=1` and this host's `hud.owner.host`, whose `hud.owner.pid` no
 * longer runs (or now belongs to another process). Sandboxes of live processes and other hosts are left alone.
 * @throws DaytonaRuntimeError naming `daytona.list` or `sandbox.delete` when Daytona keeps refusing.
 */
export async function reapOrphans(
  options: { apiKey?: string; apiUrl?: string; target?: string; retry?: RetryOptions } = {},
): Promise<ReapResult> {
  const daytona = new Daytona({
    apiKey: options.apiKey,
    apiUrl: options.apiUrl,
    target: options.target,
  });
  const labels = { [Labels.managed]: '1', [Labels.ownerHost]: hostname() };
  const orphans = await vendorCall(
    'daytona.list',
    async () => {
      const found = [];
      for await (const sandbox of daytona.list({ labels })) {
        if (ownerGone(sandbox.labels ?? {})) found.push(sandbox);
      }
      return found;
    },
    { ...options.retry },
  );
  const removed: string[] = [];
  const jobs = new Set<string>();
  for (const sandbox of orphans) {
    try {
      await vendorCall('sandbox.delete', () => sandbox.delete(), {
        ...options.retry,
        sandboxId: sandbox.id,
        phase: 'teardown',
      });
    } catch (error) {
      if (!(DaytonaRuntimeError.isInstance(error) && error.status === 404)) throw error;
    }
    removed.push(sandbox.id);
    const job = sandbox.labels?.[Labels.job];
    if (job) jobs.add(job);
  }
  return { removed, jobs: [...jobs] };
}
