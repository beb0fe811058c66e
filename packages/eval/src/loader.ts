import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { HudEvalError, messageOf } from './errors.js';
import { collectModuleTasks, type ModuleImporter } from './load-module.js';
import { type LocatedRow, parseJsonlRows, parseJsonRows } from './load-rows.js';
import { rowEnvironments } from './task.js';
import { duplicateSlugs, Taskset } from './taskset.js';

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);
/** Module files a directory source is loaded from, in order of preference. */
export const DIRECTORY_ENTRIES = [
  'tasks.ts',
  'tasks.mts',
  'tasks.js',
  'tasks.mjs',
  'index.ts',
  'index.mts',
  'index.js',
  'index.mjs',
];

/** Options of {@link loadTaskset}. */
export interface LoadTasksetOptions {
  /**
   * Imports `.ts`/`.js` modules; required for module and directory-module sources. The CLI passes
   * `importModule` from `@hud/environment`.
   */
  importModule?: ModuleImporter;
  /** When given, every row's `env` (and its verifier's) must be one of these. */
  knownEnvs?: Iterable<string>;
  /** Overrides the taskset's name. */
  name?: string;
  /** Base of a relative `source`. Default `process.cwd()`. */
  cwd?: string;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new HudEvalError('load_failed', `cannot read ${file}: ${messageOf(cause)}`, { cause });
  }
}

async function loadModule(file: string, importModule: ModuleImporter | undefined) {
  if (!importModule) {
    throw new HudEvalError(
      'invalid_argument',
      `loading ${file} needs a module importer: pass importModule (e.g. from @hud/environment)`,
    );
  }
  let module: Record<string, unknown>;
  try {
    module = await importModule(file);
  } catch (cause) {
    const message = messageOf(cause);
    const text = message.includes(file) ? message : `failed to load ${file}: ${message}`;
    throw new HudEvalError('load_failed', text, { cause });
  }
  return collectModuleTasks(module, file);
}

async function loadFile(file: string, options: LoadTasksetOptions) {
  const extension = path.extname(file).toLowerCase();
  const stem = path.basename(file, path.extname(file));
  if (extension === '.json') return { rows: parseJsonRows(await readText(file), file), name: stem };
  if (extension === '.jsonl')
    return { rows: parseJsonlRows(await readText(file), file), name: stem };
  if (MODULE_EXTENSIONS.has(extension)) {
    const { rows, tasksetName } = await loadModule(file, options.importModule);
    return { rows, name: tasksetName ?? stem };
  }
  throw new HudEvalError(
    'unsupported_source',
    `unsupported taskset source ${file}: use a .ts/.js module, a directory, a .json or a .jsonl file`,
  );
}

async function loadDirectory(directory: string, options: LoadTasksetOptions) {
  const entries = new Set(await readdir(directory));
  const name = path.basename(directory);
  const entry = DIRECTORY_ENTRIES.find((candidate) => entries.has(candidate));
  if (entry) {
    const { rows, tasksetName } = await loadModule(
      path.join(directory, entry),
      options.importModule,
    );
    return { rows, name: tasksetName ?? name };
  }
  const dataFiles = [...entries].filter((file) => /\.jsonl?$/i.test(file)).sort();
  const rows: LocatedRow[] = [];
  for (const file of dataFiles)
    rows.push(...(await loadFile(path.join(directory, file), options)).rows);
  if (dataFiles.length === 0) {
    throw new HudEvalError(
      'load_failed',
      `no tasks in ${directory}: looked for ${DIRECTORY_ENTRIES.join(', ')} or *.json / *.jsonl files, and for Harbor tasks: task.toml in it, in its subdirectories (a dataset) or one level below those (a folder of datasets)`,
    );
  }
  return { rows, name };
}

function checkRows(
  rows: readonly LocatedRow[],
  source: string,
  knownEnvs?: Iterable<string>,
): void {
  if (rows.length === 0) throw new HudEvalError('load_failed', `no tasks in ${source}`);
  const duplicates = duplicateSlugs(rows.map(({ row }) => row));
  if (duplicates.size > 0) {
    const described = [...duplicates]
      .map(([slug, at]) => `'${slug}' (${at.map((index) => rows[index]?.where).join(', ')})`)
      .join('; ');
    throw new HudEvalError('duplicate_slugs', `duplicate task slugs in ${source}: ${described}`);
  }
  if (knownEnvs === undefined) return;
  const known = new Set(knownEnvs);
  const unknown = rows.flatMap(({ row, where }) =>
    rowEnvironments(row)
      .filter((env) => !known.has(env))
      .map((env) => `'${env}' at ${where}`),
  );
  if (unknown.length > 0) {
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : '';
    throw new HudEvalError(
      'unknown_env',
      `unknown environment ${unknown.slice(0, 5).join(', ')}${more} (known: ${[...known].join(', ') || 'none'})`,
    );
  }
}

/**
 * Loads a taskset from a path (hud-python `Taskset.from_file` / `from_module`):
 * - `.json`: one task object or a list of them; `.jsonl`: one object per non-blank line; name = file stem.
 * - `.ts`/`.js` module: its exported task rows, Tasksets (expanded) and arrays of rows, `default`
 *   included, names starting `_` skipped. Name: the exported Taskset's when every task came from one
 *   Taskset, else the file stem.
 * - a directory: its first module among {@link DIRECTORY_ENTRIES}; else every `*.json`/`*.jsonl` in it
 *   (by file name); name = the directory's (or the module's single Taskset's).
 * Relative compose paths in `runtime_config` resolve against the data file's directory.
 * @throws HudEvalError `load_failed` (missing, unreadable or empty source, invalid JSON with its line, import
 *   failure), `invalid_task` (naming the file and `line <n>` / `index <n>` / `export '<name>'`),
 *   `duplicate_slugs` (naming every location), `unknown_env`, `unsupported_source`, `invalid_argument`
 *   (a module without `importModule`).
 * @example
 * const taskset = await loadTaskset('examples/letter-count/tasks.ts', { importModule });
 */
export async function loadTaskset(
  source: string,
  options: LoadTasksetOptions = {},
): Promise<Taskset> {
  const absolute = path.resolve(options.cwd ?? process.cwd(), source);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(absolute)).isDirectory();
  } catch (cause) {
    throw new HudEvalError('load_failed', `task source not found: ${absolute}`, { cause });
  }
  const { rows, name } = isDirectory
    ? await loadDirectory(absolute, options)
    : await loadFile(absolute, options);
  checkRows(rows, absolute, options.knownEnvs);
  return new Taskset(
    options.name ?? name,
    rows.map(({ row }) => row),
  );
}
