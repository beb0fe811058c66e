import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_IMAGE, hasDocker } from './docker.js';

// Harbor task directories for the tests that run `HarborRuntime` under `Taskset.run` (harbor-runtime and
// harbor-steps): the public examples beside the project, task dirs written on the fly, and the Ubuntu tags.

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
/** Whether {@link HARBOR_EXAMPLES} is there (it is absent when ../shared is not next to the project). */
export const hasExamples = existsSync(path.join(HARBOR_EXAMPLES, 'hello-user', 'task.toml'));
if (!hasExamples) {
  console.warn(
    `skipping the Harbor example tests: ${HARBOR_EXAMPLES} is absent (../shared is not next to the project)`,
  );
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
