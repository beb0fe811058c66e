import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LocalRuntimeError } from './errors.js';

const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const SIBLING_NAMES = ['env.ts', 'env.mts', 'env.js', 'env.mjs'];
const DECLARES_ENVIRONMENT = /\bnew\s+Environment\s*\(/;

function kind(file: string): 'file' | 'directory' | undefined {
  try {
    const stat = statSync(file);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment source to serve for a tasks file (hud-python 0.6.16 `hud eval` spawn-target rule, spec §9.4,
 * with a text scan for `new Environment(` in place of Python's AST scan): a directory as is; a
 * `.ts`/`.mts`/`.cts`/`.js`/`.mjs`/`.cjs` file that declares an Environment as is; else a sibling `env.ts`
 * (`env.mts`, `env.js`, `env.mjs`); else the file's directory (also for JSON/JSONL tasks files), which the
 * loader searches for `env.ts`, `index.ts`….
 * @param tasksFile a tasks file or directory, relative to `cwd`.
 * @param cwd default `process.cwd()`.
 * @returns an absolute path, to pass to {@link LocalRuntime}.
 * @throws LocalRuntimeError `source_not_found` naming the file when it does not exist or cannot be read.
 */
export function resolveEnvSource(tasksFile: string, cwd: string = process.cwd()): string {
  const absolute = path.resolve(cwd, tasksFile);
  const found = kind(absolute);
  if (found === undefined) {
    throw new LocalRuntimeError(
      'source_not_found',
      `tasks file not found: ${absolute} (resolving the environment to serve for it)`,
    );
  }
  if (found === 'directory') return absolute;
  if (SOURCE_EXTENSIONS.has(path.extname(absolute).toLowerCase())) {
    let text: string;
    try {
      text = readFileSync(absolute, 'utf8');
    } catch (cause) {
      throw new LocalRuntimeError(
        'source_not_found',
        `cannot read ${absolute} to look for an Environment: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    if (DECLARES_ENVIRONMENT.test(text)) return absolute;
  }
  const directory = path.dirname(absolute);
  for (const name of SIBLING_NAMES) {
    const sibling = path.join(directory, name);
    if (kind(sibling) === 'file') return sibling;
  }
  return directory;
}
