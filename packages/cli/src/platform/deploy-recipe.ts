import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveEnvironmentFile } from '@hud/environment';

/** The Dockerfiles `hud deploy` builds, in order (hud-python: `Dockerfile.hud`, else `Dockerfile`; spec §9.6). */
export const DEPLOY_RECIPES = ['Dockerfile.hud', 'Dockerfile'] as const;

/** Source files scanned for an environment name when the served file has none. */
const SOURCE = /\.(ts|mts|js|mjs)$/;

/** `new Environment({ … name: '<literal>' … })`: the name literal of each environment declared in `source`. */
export function environmentNames(source: string): string[] {
  const names: string[] = [];
  const declaration = /new\s+Environment\s*\(\s*\{/g;
  for (let match = declaration.exec(source); match; match = declaration.exec(source)) {
    const rest = source.slice(match.index + match[0].length, match.index + match[0].length + 2_000);
    const name = /(?:^|[,{\s])name\s*:\s*(['"`])([^'"`\n]+)\1/.exec(rest);
    if (name?.[2]) names.push(name[2]);
  }
  return names;
}

/** The Dockerfile of `dir` (relative), or undefined. */
export function findDeployRecipe(dir: string): string | undefined {
  return DEPLOY_RECIPES.find((name) => existsSync(path.join(dir, name)));
}

/** The file a Dockerfile's `hud serve <file>` (CMD or ENTRYPOINT) names, when it names one in `dir`. */
function servedByRecipe(dir: string, recipe: string): string | undefined {
  const text = readFileSync(path.join(dir, recipe), 'utf8');
  const served = /hud["',\s]+serve["',\s]+([^"'\s\],]+)/.exec(text)?.[1];
  if (!served) return undefined;
  try {
    return resolveEnvironmentFile(served, dir);
  } catch {
    return undefined;
  }
}

/** The file `hud build` bundles for `dir` (env.ts, …), or undefined. */
function defaultEnvFile(dir: string): string | undefined {
  try {
    return resolveEnvironmentFile(dir);
  } catch {
    return undefined;
  }
}

/**
 * The environment `hud deploy` deploys from `dir`: the name literal of `new Environment({name})` in the
 * file the Dockerfile serves (its `hud serve <file>`, else the env file `hud build` bundles: env.ts, …),
 * else the one name declared across the directory's source files.
 * @throws Error when no name is found, or several and none is the served file's.
 */
export function deployEnvironment(
  dir: string,
  recipe: string,
): { name: string; envFile: string | undefined } {
  const served = servedByRecipe(dir, recipe) ?? defaultEnvFile(dir);
  if (served) {
    const names = environmentNames(readFileSync(served, 'utf8'));
    if (names.length === 1) return { name: names[0] as string, envFile: served };
    if (names.length > 1) {
      throw new Error(
        `${served} declares several environments (${names.join(', ')}): deploy one environment per directory`,
      );
    }
  }
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir)) {
    if (!SOURCE.test(entry) || entry.endsWith('.d.ts')) continue;
    for (const name of environmentNames(readFileSync(path.join(dir, entry), 'utf8'))) {
      found.set(name, path.join(dir, entry));
    }
  }
  if (found.size === 1) {
    const [[name, envFile]] = [...found] as [[string, string]];
    return { name, envFile };
  }
  if (found.size === 0) {
    throw new Error(
      `no environment name in ${dir}: declare one with new Environment({ name: '…' }) in env.ts`,
    );
  }
  throw new Error(
    `several environments in ${dir} (${[...found.keys()].join(', ')}): keep one per directory, or serve one with \`hud serve <file>\` in the Dockerfile`,
  );
}
