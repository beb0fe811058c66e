import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerAvailable } from '@hud/runtimes-docker';

/** The offline base image scripts/docker-setup.sh builds (Debian bookworm + Node 24). */
export const BASE_IMAGE = process.env.HUD_DOCKER_BASE ?? 'hud-test/bookworm-node:24';

const inCi = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const engine = await dockerAvailable();
if (!engine.ok) {
  if (inCi) throw new Error(`CI=true but no Docker engine answers: ${engine.reason}`);
  console.warn(`skipping Harbor Docker tests: no Docker engine (${engine.reason}); run scripts/docker-setup.sh`);
}

/** Whether the Docker tests run (false only outside CI without an engine). */
export const hasDocker = engine.ok;

/**
 * The Harbor examples name `ubuntu:24.04` and `ubuntu:22.04`, which no registry can serve here: when those
 * tags are missing, the offline Debian base is tagged with them (a stand-in: the examples only need a
 * POSIX userland with bash, coreutils and useradd). scripts/docker-setup.sh does the same for CI.
 */
export function ensureUbuntuStandIns(): void {
  if (!hasDocker) return;
  for (const tag of ['ubuntu:24.04', 'ubuntu:22.04']) {
    try {
      execFileSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' });
    } catch {
      execFileSync('docker', ['tag', BASE_IMAGE, tag]);
      console.warn(`tagged ${BASE_IMAGE} as ${tag} (offline stand-in for the public image)`);
    }
  }
}

/** ../shared/harbor-examples beside the project (third-party tasks: read in place, never copied). */
export const HARBOR_EXAMPLES = fileURLToPath(
  new URL('../../../../../shared/harbor-examples/', import.meta.url),
);
export const hasExamples = existsSync(path.join(HARBOR_EXAMPLES, 'hello-user', 'task.toml'));
if (!hasExamples) {
  console.warn(`skipping the Harbor example tests: ${HARBOR_EXAMPLES} is absent (../shared is not next to the project)`);
}

/** Writes a Harbor task directory from a map of relative paths to contents (`.sh` files executable). */
export async function writeTask(files: Record<string, string>, root?: string): Promise<string> {
  const dir = root ?? (await mkdtemp(path.join(tmpdir(), 'hud-harbor-task-')));
  for (const [relative, text] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { mode: relative.endsWith('.sh') ? 0o755 : 0o644 });
  }
  return dir;
}
