import Docker from 'dockerode';
import { engineUnreachable, isEngineUnreachable, statusOf } from './errors.js';
import { Labels, ownerGone } from './labels.js';

/** A container hud-ts manages, as {@link listManagedContainers} reports it. */
export interface ManagedContainer {
  /** Full id. */
  readonly id: string;
  readonly image: string;
  /** `running`, `exited`, `created`… */
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Every container labelled `hud.managed=1` (running or not), optionally only those of one job.
 * @throws DockerRuntimeError `docker_unavailable`.
 */
export async function listManagedContainers(
  options: { docker?: Docker; job?: string } = {},
): Promise<ManagedContainer[]> {
  const docker = options.docker ?? new Docker();
  const label = [`${Labels.managed}=1`];
  if (options.job !== undefined) label.push(`${Labels.job}=${options.job}`);
  try {
    const found = await docker.listContainers({ all: true, filters: { label } });
    return found.map((info) => ({
      id: info.Id,
      image: info.Image,
      state: info.State,
      labels: info.Labels ?? {},
    }));
  } catch (error) {
    if (isEngineUnreachable(error)) throw engineUnreachable(error);
    throw error;
  }
}

/** Removes containers by id (forcefully); ids already gone count as removed. Returns how many went. */
export async function removeContainers(
  ids: readonly string[],
  options: { docker?: Docker } = {},
): Promise<number> {
  const docker = options.docker ?? new Docker();
  const results = await Promise.allSettled(
    ids.map(async (id) => {
      try {
        await docker.getContainer(id).remove({ force: true, v: true });
      } catch (error) {
        const status = statusOf(error);
        if (status !== 404 && status !== 409) throw error;
      }
    }),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return ids.length;
}

/** What {@link reapOrphans} did. */
export interface ReapResult {
  /** Ids of the orphaned containers removed. */
  readonly removed: readonly string[];
  /** The jobs they belonged to. */
  readonly jobs: readonly string[];
}

/**
 * Removes the containers of earlier jobs whose owner process is gone (killed with SIGKILL, crashed, the
 * machine's hud process died): labelled `hud.managed=1`, created on this host, by a pid that no longer runs
 * (or now belongs to another process). Containers of live processes and of other hosts are left alone.
 * `hud eval` calls it when a job that uses Docker starts.
 * @throws DockerRuntimeError `docker_unavailable`.
 */
export async function reapOrphans(options: { docker?: Docker } = {}): Promise<ReapResult> {
  const docker = options.docker ?? new Docker();
  const orphans = (await listManagedContainers({ docker })).filter((container) =>
    ownerGone(container.labels),
  );
  await removeContainers(
    orphans.map((container) => container.id),
    { docker },
  );
  const jobs = new Set(orphans.map((container) => container.labels[Labels.job] ?? '?'));
  return { removed: orphans.map((container) => container.id), jobs: [...jobs] };
}
