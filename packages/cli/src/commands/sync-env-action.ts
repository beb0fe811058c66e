import path from 'node:path';
import { PlatformError, platformClient } from '../platform/client.js';
import {
  projectConfigFile,
  readProjectConfig,
  updateProjectConfig,
} from '../platform/project-config.js';
import {
  environmentName,
  getEnvironment,
  isUuid,
  listEnvironments,
  type RegistryEnvironment,
} from '../platform/remote-taskset.js';
import { ask } from '../prompt.js';
import { loadSettings } from '../settings.js';

/** The flags of `hud sync env`. */
export interface SyncEnvFlags {
  yes?: boolean;
}

const describe = (env: RegistryEnvironment) =>
  `${environmentName(env)} (${env.id}${env.latest_version ? `, ${env.latest_version}` : ''})`;

/** Asks which of `envs` to link (a number or a name), on the terminal. */
async function pick(envs: RegistryEnvironment[]): Promise<RegistryEnvironment | undefined> {
  envs.forEach((env, index) => {
    console.error(`  ${index + 1}. ${describe(env)}`);
  });
  const answer = await ask('environment to link (number or name): ');
  return /^\d+$/.test(answer)
    ? envs[Number(answer) - 1]
    : envs.find((env) => environmentName(env) === answer);
}

/**
 * `hud sync env [name] [dir]` (hud-python 0.6.16, spec §9.7): resolves a registry environment (by id, by
 * exact name, else the one linked already, else the only one, else a choice on the terminal), reads it with
 * `GET /v2/registry/{id}` and saves `registryId` / `registryName` in `<dir>/.hud/config.json`.
 * @throws Error naming the environment and those there are when none matches; when several could be meant
 *   and stdin is not a terminal (or `-y` was given); PlatformError from the platform.
 */
export async function syncEnv(
  name: string | undefined,
  dir: string,
  flags: SyncEnvFlags,
): Promise<void> {
  const client = platformClient(loadSettings());
  const projectDir = path.resolve(dir);
  const config = readProjectConfig(projectDir);
  let chosen: RegistryEnvironment | undefined;
  if (name && isUuid(name)) {
    chosen = await getEnvironment(client, name).catch((error: unknown) => {
      if (PlatformError.isInstance(error) && error.code === 'not_found')
        throw new Error(`no environment with id ${name} in the registry of ${client.urls.api}`);
      throw error;
    });
  } else {
    const wanted = name ?? config.registryName;
    const all = await listEnvironments(client);
    const names = all.map(environmentName).join(', ') || 'none';
    if (wanted) {
      chosen = all.find((env) => environmentName(env) === wanted);
      if (!chosen)
        throw new Error(
          `no environment '${wanted}' in the registry of ${client.urls.api} (environments: ${names}); deploy it with \`hud deploy\``,
        );
    } else if (all.length === 1) {
      chosen = all[0];
    } else if (all.length === 0) {
      throw new Error(
        `the registry of ${client.urls.api} has no environments: deploy one with \`hud deploy\``,
      );
    } else if (flags.yes || !process.stdin.isTTY) {
      throw new Error(`several environments in the registry (${names}): name the one to link`);
    } else {
      chosen = await pick(all);
      if (!chosen) throw new Error(`no such environment (environments: ${names})`);
    }
  }
  const env = await getEnvironment(client, (chosen as RegistryEnvironment).id);
  const file = projectConfigFile(projectDir);
  updateProjectConfig(projectDir, { registryId: env.id, registryName: environmentName(env) });
  console.log(`linked ${describe(env)} in ${file}`);
}
