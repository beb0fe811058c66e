import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HudRun } from './run-hud.js';
import { REPO_ROOT } from './served-env.js';

/**
 * The deadline of one test with real image builds and containers on 2 loaded cores: generous, and a bound
 * only (timings are reported, never asserted).
 */
export const DOCKER_TEST_TIMEOUT_MS = 360_000;

/** The offline base scripts/docker-setup.sh builds (a stand-in for node:24-slim). */
export const BASE_IMAGE = process.env.HUD_DOCKER_BASE ?? 'hud-test/bookworm-node:24';

/**
 * An image tag unique to this test process: several test runs may share one engine (a developer's and a CI
 * check's), and one run's cleanup must never remove another's image.
 */
export function uniqueTag(name: string): string {
  return `hud-e2e/${name}:${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** `text` as a literal inside a regular expression. */
export function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The sample environment the images are built from. */
export const SAMPLE_ENV = path.join(REPO_ROOT, 'apps/sample-env');

function engineVersion(): { ok: true } | { ok: false; reason: string } {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true };
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    return { ok: false, reason: stderr || (error as Error).message };
  }
}

const engine = engineVersion();
const inCi = ['true', '1'].includes(String(process.env.CI).toLowerCase());
if (!engine.ok) {
  // CI brings Docker up (scripts/docker-setup.sh): there a missing engine fails the run.
  if (inCi) throw new Error(`CI=true but no Docker engine answers: ${engine.reason}`);
  process.stderr.write(
    `skipping Docker tests: no Docker engine (${engine.reason}); run scripts/docker-setup.sh\n`,
  );
}

/** Whether the Docker tests run (false only outside CI without an engine). */
export const hasDocker = engine.ok;

/** Runs `docker …args`; never rejects on exit codes. */
export function docker(args: string[], timeoutMs = 120_000): Promise<HudRun> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Ids of the containers (any state) carrying every `label=value` given (`hud.managed=1` always). */
export async function managedContainers(labels: Record<string, string> = {}): Promise<string[]> {
  const filters = Object.entries({ 'hud.managed': '1', ...labels }).flatMap(([key, value]) => [
    '--filter',
    `label=${key}=${value}`,
  ]);
  const listed = await docker(['ps', '-aq', '--no-trunc', ...filters]);
  if (listed.code !== 0) throw new Error(`docker ps failed: ${listed.stderr}`);
  return listed.stdout.split('\n').filter(Boolean);
}

/** Polls until no container matches `labels` (or `timeoutMs` passes); returns what is left. */
export async function containersAfter(
  labels: Record<string, string>,
  timeoutMs = 10_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = await managedContainers(labels);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = await managedContainers(labels);
  }
  return left;
}

/** Force-removes containers (test cleanup, so one failure does not leak into later tests). */
export async function removeContainers(ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await docker(['rm', '--force', ...ids]);
}

/** A scratch directory outside the repository (an env there resolves `@hud/*` through the CLI). */
export function dockerScratch(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `hud-docker-e2e-${label}-`));
}

/**
 * A copy of apps/sample-env (without `.hud/`) in a fresh scratch directory; returns the copy. The scratch
 * directory is added to `made` (for {@link cleanUp}).
 */
export function stageSampleEnv(label: string, made: string[]): string {
  const scratch = dockerScratch(label);
  made.push(scratch);
  const dir = path.join(scratch, 'sample-env');
  cpSync(SAMPLE_ENV, dir, {
    recursive: true,
    filter: (source) => !source.split(path.sep).includes('.hud'),
  });
  return dir;
}

/** A directory holding `files` (e.g. a Dockerfile), for images built with plain `docker build`. */
export function contextWith(label: string, files: Record<string, string>): string {
  const dir = dockerScratch(label);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** `docker build -t tag --build-arg BASE=<base> dir`; throws with the output on failure. */
export async function dockerBuild(dir: string, tag: string): Promise<void> {
  const built = await docker(['build', '-q', '-t', tag, '--build-arg', `BASE=${BASE_IMAGE}`, dir]);
  if (built.code !== 0) throw new Error(`docker build ${tag} failed:\n${built.stderr}`);
}

/** Removes scratch directories and images (afterAll). */
export async function cleanUp(dirs: readonly string[], images: readonly string[]): Promise<void> {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (images.length > 0) await docker(['rmi', '--force', ...images]);
}

/** A JSONL task file of `rows`; returns its path. */
export function writeRows(dir: string, rows: readonly object[], name = 'rows.jsonl'): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  return file;
}

/** Whether an image (tag or id) exists locally. */
export async function imageExists(image: string): Promise<boolean> {
  return (await docker(['image', 'inspect', image])).code === 0;
}

/** Whether no container with this id (or id prefix) exists any more, after a short grace. */
export async function containerGone(id: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = await docker(['ps', '-aq', '--filter', `id=${id}`]);
    if (listed.stdout.trim() === '') return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Removes the untagged images a failed classic build left as cache (the `---> <id>` lines of its verbose
 * output), never a tagged one such as the base.
 */
export async function removeBuildLeftovers(output: string): Promise<void> {
  for (const [, id] of output.matchAll(/---> ([0-9a-f]{12})\s*$/gm)) {
    const tags = await docker(['image', 'inspect', '--format', '{{len .RepoTags}}', id as string]);
    if (tags.code === 0 && tags.stdout.trim() === '0') await docker(['rmi', id as string]);
  }
}
