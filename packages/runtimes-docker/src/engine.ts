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

/**
 * Pulls `image` (`docker pull`), following the engine's progress stream to its end.
 * @throws Error with the engine's message when the pull fails.
 * @internal
 */
export async function pullImage(docker: Docker, image: string): Promise<void> {
  const stream = await docker.pull(image);
  const events = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (error, output) =>
      error ? reject(error) : resolve(output as Array<{ error?: string }>),
    ),
  );
  const failure = events.find((event) => event.error);
  if (failure) throw new Error(failure.error);
}
