import { existsSync, statSync } from 'node:fs';
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
