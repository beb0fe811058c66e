import { type PlatformClient, platformClient } from '../platform/client.js';
import { loadSettings } from '../settings.js';

/** The flags of `hud jobs` and `hud trace` that choose where records are read. */
export interface SourceFlags {
  /** Read the local job store even when `HUD_API_KEY` is set. */
  local?: boolean;
  /** A local job store directory (naming one implies `local`). */
  store?: string;
}

/**
 * Where `hud jobs` and `hud trace` read: the platform (`HUD_API_URL`) when `HUD_API_KEY` is set, unless
 * `--local` or `--store` asks for the local job store.
 * @returns the platform client, or undefined for the local store.
 * @throws Error when a platform URL setting is malformed.
 */
export function recordSource(
  flags: SourceFlags,
  settings: Record<string, string | undefined> = loadSettings(),
): PlatformClient | undefined {
  if (flags.local || flags.store !== undefined) return undefined;
  if (!settings.HUD_API_KEY?.trim()) return undefined;
  return platformClient(settings);
}

/** The flags of `hud jobs` as commander parses them. */
export interface JobsFlags extends SourceFlags {
  json?: boolean;
  /** `--limit/-n` as typed (default `20`). */
  limit?: string;
  /** `--follow/-f`: stream a running platform job's progress to its end. */
  follow?: boolean;
}

/**
 * `--limit` as a count.
 * @throws Error naming the flag when it is not a whole number from 1 to 500.
 */
export function parseLimit(raw: string | undefined): number {
  const value = Number(raw ?? '20');
  if (!Number.isInteger(value) || value < 1 || value > 500) {
    throw new Error(`--limit must be a whole number from 1 to 500, got '${raw}'`);
  }
  return value;
}

/**
 * The action of `hud jobs [job-id]`: from the platform when `HUD_API_KEY` is set (see
 * {@link recordSource}), else `jobsAction` over the local store (each loaded only when used).
 * @throws Error for a bad `--limit`; PlatformError from the platform; as `jobsAction` locally.
 */
export async function jobsCommand(jobId: string | undefined, flags: JobsFlags): Promise<void> {
  const limit = parseLimit(flags.limit);
  const client = recordSource(flags);
  if (flags.follow) {
    if (!client || !jobId)
      throw new Error(
        '--follow follows one job of the platform: hud jobs <job-id> --follow with HUD_API_KEY set',
      );
    const [{ followJobAction }, { EvalReport }, { findJob }] = await Promise.all([
      import('../platform/hosted-eval.js'),
      import('../eval/report.js'),
      import('./jobs-gateway.js'),
    ]);
    const json = Boolean(flags.json);
    // A unique prefix names the job, as without --follow.
    const job = await findJob(client, jobId);
    return followJobAction(client, loadSettings().HUD_API_KEY?.trim() ?? '', job.id, {
      json,
      report: new EvalReport({ json }),
    });
  }
  if (client) {
    const { gatewayJobs } = await import('./jobs-gateway.js');
    return gatewayJobs(client, jobId, { limit, ...(flags.json ? { json: true } : {}) });
  }
  return (await import('./jobs-action.js')).jobsAction(jobId, flags);
}
