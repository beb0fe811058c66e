/**
 * `.hud/config.json`, the link between a project directory and the platform (hud-python 0.6, spec §9.6):
 * `{"registryId", "registryName", "tasksetId", "syncEnv"}`, pretty JSON, merged on write so `hud deploy`
 * and `hud sync` each keep the other's keys (and any key this version does not know). hud-python's legacy
 * `.hud/deploy.json` is read when `config.json` is missing, and migrated on the next write.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The keys hud-python writes; others are kept as they are. */
export const ProjectConfig = z
  .object({
    registryId: z.string().optional(),
    registryName: z.string().optional(),
    tasksetId: z.string().optional(),
    syncEnv: z.boolean().optional(),
  })
  .loose();
export type ProjectConfig = z.infer<typeof ProjectConfig>;

/** `<dir>/.hud/config.json`. */
export function projectConfigFile(dir: string): string {
  return path.join(dir, '.hud', 'config.json');
}

function legacyFile(dir: string): string {
  return path.join(dir, '.hud', 'deploy.json');
}

function readJson(file: string): ProjectConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new Error(`${file} is not valid JSON (${(cause as Error).message}): fix or delete it`, {
      cause,
    });
  }
  const parsed = ProjectConfig.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is malformed'}: fix or delete it`,
    );
  }
  return parsed.data;
}

/**
 * The project's link, `{}` when there is none.
 * @throws Error naming the file when it is not JSON or a key has the wrong type.
 */
export function readProjectConfig(dir: string): ProjectConfig {
  const file = projectConfigFile(dir);
  if (existsSync(file)) return readJson(file);
  const legacy = legacyFile(dir);
  return existsSync(legacy) ? readJson(legacy) : {};
}

/**
 * Merges `patch` into the project's link and writes it (atomically: a temp file renamed over it); an
 * undefined value in `patch` leaves the key as it was. Returns the merged config.
 * @throws Error naming the file when the existing one is malformed.
 */
export function updateProjectConfig(dir: string, patch: Partial<ProjectConfig>): ProjectConfig {
  const merged: ProjectConfig = { ...readProjectConfig(dir) };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  const file = projectConfigFile(dir);
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(temp, file);
  rmSync(legacyFile(dir), { force: true });
  return merged;
}
