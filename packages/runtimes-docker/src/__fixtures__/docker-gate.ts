import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, dockerAvailable } from '../index.js';

/** The offline base image scripts/docker-setup.sh builds (a stand-in for node:24-slim). */
export const BASE_IMAGE = process.env.HUD_DOCKER_BASE ?? 'hud-test/bookworm-node:24';

const inCi = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const engine = await dockerAvailable();
if (!engine.ok) {
  // CI installs and starts Docker (scripts/docker-setup.sh): there a missing engine is a failure.
  if (inCi) throw new Error(`CI=true but no Docker engine answers: ${engine.reason}`);
  console.warn(
    `skipping Docker tests: no Docker engine (${engine.reason}); run scripts/docker-setup.sh`,
  );
}

/** Whether the Docker tests run (false only outside CI without an engine). */
export const hasDocker = engine.ok;

/** Builds the dependency-free echo-env fixture on the offline base; returns its tag. */
export async function buildEchoImage(tag = 'hud-test/echo-env:latest'): Promise<string> {
  await buildImage({
    context: path.join(path.dirname(fileURLToPath(import.meta.url)), 'echo-env'),
    tags: [tag],
    buildArgs: { BASE: BASE_IMAGE },
  });
  return tag;
}
