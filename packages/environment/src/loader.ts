import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HudError } from '@hud/protocol';
import { Environment } from './environment.js';

const ENTRY_NAMES = ['env.ts', 'env.mts', 'env.js', 'env.mjs', 'index.ts', 'index.js'];
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * The file an environment target names: a file as is; `env` → `env.ts` (or `.js`…); a directory → its
 * `env.ts` / `env.js` / `index.ts` / `index.js`.
 * @throws HudError `load_failed` when nothing matches.
 */
export function resolveEnvironmentFile(target: string, cwd: string = process.cwd()): string {
  const absolute = path.resolve(cwd, target);
  if (existsSync(absolute) && statSync(absolute).isFile()) return absolute;
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    for (const name of ENTRY_NAMES) {
      const candidate = path.join(absolute, name);
      if (existsSync(candidate)) return candidate;
    }
    throw new HudError(
      'load_failed',
      `no environment file in ${absolute} (looked for ${ENTRY_NAMES.join(', ')})`,
    );
  }
  for (const extension of EXTENSIONS) {
    if (existsSync(absolute + extension)) return absolute + extension;
  }
  throw new HudError('load_failed', `environment file not found: ${absolute}`);
}

/**
 * Packages a host program (the `hud` CLI) lends to env and task files that do not install them: bare
 * specifier → absolute path of the module to use (e.g. `{'@hud/environment': '/…/dist/index.js'}`).
 */
export type ModuleFallbacks = Readonly<Record<string, string>>;

function missingFallbacks(
  file: string,
  fallbacks: ModuleFallbacks | undefined,
): Record<string, string> {
  const alias: Record<string, string> = {};
  if (!fallbacks) return alias;
  const require = createRequire(file);
  for (const [specifier, target] of Object.entries(fallbacks)) {
    try {
      require.resolve(specifier);
    } catch {
      // Only what the file cannot resolve itself: its own installed version always wins.
      alias[specifier] = target;
    }
  }
  return alias;
}

/**
 * Imports a `.ts`/`.js` module without a build step (jiti), mapping TypeScript's `./x.js` imports to `x.ts`.
 * `fallbacks` supplies packages the file's directory cannot resolve (see {@link ModuleFallbacks}).
 * @throws HudError `load_failed` naming the file, with the loader's message (syntax error, missing import…).
 */
export async function importModule(
  file: string,
  options: { fallbacks?: ModuleFallbacks } = {},
): Promise<Record<string, unknown>> {
  const alias = missingFallbacks(file, options.fallbacks);
  try {
    // Loaded on first use: a process that serves a pre-bundled environment never needs jiti.
    const { createJiti } = await import('jiti');
    const jiti = createJiti(pathToFileURL(file).href, { interopDefault: false, alias });
    return (await jiti.import(file)) as Record<string, unknown>;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new HudError('load_failed', `failed to load ${file}: ${detail}`, { cause });
  }
}

/** Options of {@link loadEnvironment}. */
export interface LoadEnvironmentOptions {
  /** Picks one environment by export name or `env.name` when the file declares several. */
  name?: string;
  cwd?: string;
  /** Packages to lend the file when it cannot resolve them itself. */
  fallbacks?: ModuleFallbacks;
}

/**
 * Loads the environment a file declares (hud-python `load_environment`, spec §1.5): every exported
 * {@link Environment} whose export name or `name` matches `options.name` (any, without a name).
 * @throws HudError `load_failed` (missing file, syntax or import error), `environment_not_found` (none),
 *   `environment_ambiguous` (several: select one by name).
 */
export async function loadEnvironment(
  target: string,
  options: LoadEnvironmentOptions = {},
): Promise<{ env: Environment; file: string }> {
  const file = resolveEnvironmentFile(target, options.cwd);
  const module = await importModule(file, { fallbacks: options.fallbacks });
  return { env: selectEnvironment(module, file, options.name), file };
}

/**
 * The one {@link Environment} a loaded module exports (the selection step of {@link loadEnvironment}, for a
 * module imported some other way, e.g. from a bundle): every export that is an Environment and whose
 * export name or `name` matches `name` (any, without a name).
 * @param module the module's namespace (export name → value).
 * @param file the source file, named in errors.
 * @throws HudError `environment_not_found` (none; lists the exports), `environment_ambiguous` (several).
 */
export function selectEnvironment(
  module: Record<string, unknown>,
  file: string,
  name?: string,
): Environment {
  const found = new Map<Environment, string>();
  for (const [exportName, value] of Object.entries(module)) {
    if (!Environment.isInstance(value) || found.has(value)) continue;
    if (name === undefined || name === exportName || name === value.name) {
      found.set(value, exportName);
    }
  }
  if (found.size === 0) {
    const wanted = name ? ` named '${name}'` : '';
    throw new HudError(
      'environment_not_found',
      `no Environment${wanted} exported by ${file} (exports: ${Object.keys(module).join(', ') || 'none'})`,
    );
  }
  if (found.size > 1) {
    const names = [...found].map(([env, exportName]) => `${exportName} (${env.name})`).join(', ');
    throw new HudError(
      'environment_ambiguous',
      `multiple Environments in ${file}: ${names}; select one by name`,
    );
  }
  const [env] = found.keys() as IterableIterator<Environment>;
  return env as Environment;
}
