import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TaskRow } from '@hud/protocol';

// Telling Harbor sources and rows apart needs no `@hud/harbor` (an optional peer of the CLI): only loading
// and running them does. These mirror `isHarborSource` and `harborTaskDir` of `@hud/harbor`.

function hasTaskToml(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'task.toml')).isFile();
  } catch {
    return false;
  }
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Whether `source` is a Harbor task (a directory with `task.toml`), a dataset (an immediate subdirectory
 * has one) or a folder of datasets (a subdirectory — not hidden, not `node_modules` — has such
 * subdirectories), as `@hud/harbor`'s `loadHarborSource` reads them. Never throws.
 */
export function isHarborSource(source: string): boolean {
  const root = path.resolve(source);
  if (hasTaskToml(root)) return true;
  const children = names(root).map((name) => ({ name, dir: path.join(root, name) }));
  if (children.some((child) => hasTaskToml(child.dir))) return true;
  return children.some(
    (child) =>
      !child.name.startsWith('.') &&
      child.name !== 'node_modules' &&
      names(child.dir).some((name) => hasTaskToml(path.join(child.dir, name))),
  );
}

/** The task directory of a Harbor row (`runtime_config.harbor.task_dir`), or undefined for other rows. */
export function harborTaskDir(row: TaskRow): string | undefined {
  const harbor = row.runtime_config?.harbor;
  if (typeof harbor !== 'object' || harbor === null || Array.isArray(harbor)) return undefined;
  const dir = (harbor as Record<string, unknown>).task_dir;
  return typeof dir === 'string' ? dir : undefined;
}

/** Whether a row is a Harbor task (made by `@hud/harbor`'s loader): it runs on the Harbor runtime. */
export const isHarborRow = (row: TaskRow): boolean => harborTaskDir(row) !== undefined;
