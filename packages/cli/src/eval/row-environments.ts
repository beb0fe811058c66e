import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Environment, importModule, resolveEnvironmentFile } from '@hud/environment';
import { DIRECTORY_ENTRIES } from '@hud/eval';
import type { TaskRow } from '@hud/protocol';
import { resolveEnvSource } from '@hud/runtimes-local';
import { isHarborRow } from './harbor-detect.js';

/** Whether `source` is task data (a `.json`/`.jsonl` file, or a directory of them) rather than a module. */
function isDataSource(source: string): boolean {
  if (!existsSync(source)) return false;
  if (statSync(source).isDirectory())
    return !DIRECTORY_ENTRIES.some((entry) => existsSync(path.join(source, entry)));
  return /\.jsonl?$/i.test(source);
}

/**
 * Refuses rows of a `.json`/`.jsonl` source that name another environment than the env file `--runtime
 * local` serves them from (the `env.ts` beside the data). A child serving a file that declares one
 * environment serves it whatever the row's `env` says, so such a row would run against the wrong
 * environment without a word. Rows with their own image (`runtime_config.image`) and Harbor rows are not
 * served from the file and are left alone; so are module sources, whose rows their templates minted.
 * When the env file cannot be loaded the check is skipped: the rollouts report that failure themselves.
 * @param source the task source, absolute.
 * @throws Error naming each offending row (slug and environment), the env file and what it declares.
 */
export async function checkRowEnvironments(
  source: string,
  tasks: readonly TaskRow[],
  fallbacks: Readonly<Record<string, string>>,
): Promise<void> {
  if (!isDataSource(source)) return;
  const served = tasks.filter(
    (task) => typeof task.runtime_config?.image !== 'string' && !isHarborRow(task),
  );
  if (served.length === 0) return;
  let file: string;
  let names: Set<string>;
  try {
    file = resolveEnvironmentFile(resolveEnvSource(source));
    const module = await importModule(file, { fallbacks });
    names = new Set(
      Object.values(module)
        .filter((value) => Environment.isInstance(value))
        .map((env) => env.name),
    );
  } catch {
    return;
  }
  if (names.size === 0) return;
  const wrong = served.flatMap((task) =>
    [task.env, task.verifier?.env]
      .filter((env): env is string => env !== undefined && !names.has(env))
      .map((env) => `task '${task.slug}' names environment '${env}'`),
  );
  if (wrong.length === 0) return;
  const declared = [...names].map((name) => `'${name}'`).join(', ');
  const more = wrong.length > 5 ? ` and ${wrong.length - 5} more` : '';
  throw new Error(
    `${wrong.slice(0, 5).join('; ')}${more}, but the rows of ${source} run against ${file}, which declares ${declared}: fix the row's "env", or run it from its own environment's folder`,
  );
}

/** Env files a platform taskset's rows may run from: the one of `cwd`, then those of its subfolders. */
const ENV_FILES = ['env.ts', 'env.mts', 'env.js', 'env.mjs'];
const DECLARES_ENVIRONMENT = /\bnew\s+Environment\s*\(/;

/**
 * The environments declared by the env files of `cwd` (its `env.ts`…, or `index.ts`… when that declares an
 * Environment) and of its direct subfolders (their `env.ts`…), as name → file; the first file to declare a
 * name keeps it. Files that do not mention `new Environment(` are not imported; files that fail to import
 * are skipped (the rows that needed them then say so).
 */
export async function localEnvironments(
  cwd: string,
  fallbacks: Readonly<Record<string, string>>,
): Promise<Map<string, string>> {
  const candidates: string[] = [];
  for (const name of [...ENV_FILES, 'index.ts', 'index.js']) {
    const file = path.join(cwd, name);
    if (existsSync(file)) candidates.push(file);
  }
  for (const entry of readdirSync(cwd, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules')
      continue;
    const file = ENV_FILES.map((name) => path.join(cwd, entry.name, name)).find(existsSync);
    if (file) candidates.push(file);
  }
  const found = new Map<string, string>();
  for (const file of candidates) {
    if (!DECLARES_ENVIRONMENT.test(readFileSync(file, 'utf8'))) continue;
    let module: Record<string, unknown>;
    try {
      module = await importModule(file, { fallbacks });
    } catch {
      continue;
    }
    for (const value of Object.values(module)) {
      if (Environment.isInstance(value) && !found.has(value.name)) found.set(value.name, file);
    }
  }
  return found;
}

/** Where each environment of a platform taskset runs: an env file here, or a deployed image. */
export interface RowPlacement {
  /** Environment name → env file in the current directory that declares it. */
  local: Map<string, string>;
  /** Environment name → image reference of its deployed version. */
  images: Map<string, string>;
}

/**
 * Places every environment the rows name (their verifiers' included; rows with their own
 * `runtime_config.image` need nothing): an env file of `cwd` that declares it ({@link localEnvironments}),
 * else the image the platform registry has for it (`imageOf`).
 * @throws Error naming each environment with neither, its tasks, and the ways out (`hud eval` in the
 *   environment's folder, `hud deploy`, `--remote`).
 */
export async function placeRows(options: {
  tasks: readonly TaskRow[];
  cwd: string;
  fallbacks: Readonly<Record<string, string>>;
  imageOf: (env: string) => Promise<string | undefined>;
  taskset: string;
}): Promise<RowPlacement> {
  const needed = new Map<string, string[]>();
  for (const task of options.tasks) {
    for (const row of [task, task.verifier].filter((row): row is TaskRow => Boolean(row))) {
      if (typeof row.runtime_config?.image === 'string') continue;
      needed.set(row.env, [...(needed.get(row.env) ?? []), task.slug]);
    }
  }
  const declared =
    needed.size > 0 ? await localEnvironments(options.cwd, options.fallbacks) : new Map();
  const placement: RowPlacement = { local: new Map(), images: new Map() };
  const missing: string[] = [];
  for (const [env, slugs] of needed) {
    const file = declared.get(env);
    if (file) {
      placement.local.set(env, file);
      continue;
    }
    const image = await options.imageOf(env);
    if (image) placement.images.set(env, image);
    else {
      const shown = slugs.slice(0, 3).join(', ') + (slugs.length > 3 ? ', …' : '');
      missing.push(`'${env}' (tasks ${shown})`);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `taskset '${options.taskset}' needs environment ${missing.join(', ')}, which no env file in ${options.cwd} (or its subfolders) declares and the platform has no deployed image of: run hud eval in the environment's folder, deploy it with \`hud deploy\`, or run on the platform with --remote`,
    );
  }
  return placement;
}
