/**
 * Shared by the Docker benchmarks: the sample environment's image (built once with `hud build`, cached by
 * the engine afterwards), the `hud` CLI, `docker` itself, and percentiles.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hudFlag = process.argv.indexOf('--hud');
/** The CLI the benches run: `--hud <bin.js>` (another build, to compare), else packages/cli/dist/bin.js. */
export const HUD_BIN =
  hudFlag === -1
    ? path.join(REPO_ROOT, 'packages/cli/dist/bin.js')
    : path.resolve(process.argv[hudFlag + 1] ?? '');
export const BASE_IMAGE = process.env.HUD_DOCKER_BASE ?? 'hud-test/bookworm-node:24';
export const IMAGE = 'hud-bench/sample-env:latest';

/** The built Docker runtime (bench is private: it reaches into the package's dist, with its own deps). */
export const dockerRuntime = () =>
  import(path.join(REPO_ROOT, 'packages/runtimes-docker/dist/index.js')) as Promise<
    typeof import('../../packages/runtimes-docker/src/index.ts')
  >;

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program (in `options.cwd`, with `options.env`); never rejects on exit codes. */
export function run(
  file: string,
  args: string[],
  timeoutMs = 600_000,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 64 << 20, ...options },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

/** `hud …args` with the built CLI. */
export const hud = (args: string[]) => run(process.execPath, [HUD_BIN, ...args]);

/**
 * A copy of apps/sample-env in a temp directory, built as {@link IMAGE} on the offline base. Returns the
 * copy (its tasks.ts and `.hud/config.json` point `hud eval --runtime docker` at the image) and a
 * `remove()` that deletes the copy and the image.
 */
export async function buildSampleImage(): Promise<{ dir: string; remove(): void }> {
  const root = mkdtempSync(path.join(tmpdir(), 'hud-bench-docker-'));
  const dir = path.join(root, 'sample-env');
  cpSync(path.join(REPO_ROOT, 'apps/sample-env'), dir, {
    recursive: true,
    filter: (source) => !source.split(path.sep).includes('.hud'),
  });
  const built = await hud(['build', dir, '--tag', IMAGE, '--build-arg', `BASE=${BASE_IMAGE}`]);
  if (built.code !== 0) throw new Error(`hud build failed:\n${built.stderr}`);
  return {
    dir,
    remove: () => {
      rmSync(root, { recursive: true, force: true });
      execFileSync('docker', ['rmi', IMAGE], { stdio: 'ignore' });
    },
  };
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
