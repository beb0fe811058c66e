import Docker from 'dockerode';
import { engineMessage } from './errors.js';

/**
 * Whether a Docker engine answers (`docker info` succeeds): `{ok: true, version}` or `{ok: false, reason}`.
 * Never throws; gives up after `timeoutMs` (default 5 000).
 */
export async function dockerAvailable(
  options: { docker?: Docker; timeoutMs?: number } = {},
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const docker = options.docker ?? new Docker();
  const timeoutMs = options.timeoutMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const version = await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, version: version.Version };
  } catch (error) {
    return { ok: false, reason: engineMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}
