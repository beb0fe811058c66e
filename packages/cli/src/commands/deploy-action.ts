import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { BUILD_DIR } from '../docker/project.js';
import { parsePairs } from '../eval/flag-values.js';
import { platformClient } from '../platform/client.js';
import { contextTarball } from '../platform/context-tarball.js';
import { followBuild, triggerBuild, uploadContext } from '../platform/deploy.js';
import { deployEnvironment, findDeployRecipe } from '../platform/deploy-recipe.js';
import { readProjectConfig, updateProjectConfig } from '../platform/project-config.js';
import { loadSettings } from '../settings.js';

/** The flags of `hud deploy` as commander parses them. */
export interface DeployFlags {
  all?: boolean;
  env: string[];
  envFile?: string;
  buildArg: string[];
  secret: string[];
  cache: boolean;
  registryId?: string;
}

/**
 * `--secret id=X,env=Y` (the value of environment variable Y) or `id=X,src=path` (a file's contents), as
 * `docker build --secret` takes them: secret id → value.
 * @throws Error naming the malformed spec, the unset variable or the unreadable file.
 */
export function parseSecrets(
  specs: readonly string[],
  env: Record<string, string | undefined>,
  cwd: string = process.cwd(),
): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const spec of specs) {
    const fields = parsePairs(spec.split(','), `--secret ${spec}`);
    const id = fields.id;
    const source = fields.src ?? fields.source;
    if (!id || (fields.env === undefined) === (source === undefined)) {
      throw new Error(`--secret takes id=X,env=VAR or id=X,src=path, got '${spec}'`);
    }
    if (fields.env !== undefined) {
      const value = env[fields.env];
      if (value === undefined) {
        throw new Error(`--secret ${id}: environment variable ${fields.env} is not set`);
      }
      secrets[id] = value;
    } else {
      const file = path.resolve(cwd, source as string);
      try {
        secrets[id] = readFileSync(file, 'utf8');
      } catch (cause) {
        throw new Error(`--secret ${id}: cannot read ${file} (${(cause as Error).message})`, {
          cause,
        });
      }
    }
  }
  return secrets;
}

/** The child directories `--all` deploys: those with a Dockerfile.hud or Dockerfile. */
function deployableChildren(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => path.join(dir, name))
    .filter((child) => statSync(child).isDirectory() && findDeployRecipe(child) !== undefined)
    .sort();
}

interface DeployInputs {
  environmentVariables: Record<string, string>;
  buildArgs: Record<string, string>;
  secrets: Record<string, string>;
}

async function deployOne(
  dir: string,
  flags: DeployFlags,
  inputs: DeployInputs,
  settings: Record<string, string | undefined>,
): Promise<boolean> {
  const client = platformClient(settings);
  const recipe = findDeployRecipe(dir);
  if (!recipe) {
    throw new Error(`no Dockerfile.hud or Dockerfile in ${dir}: hud deploy builds one of them`);
  }
  const { name, envFile } = deployEnvironment(dir, recipe);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // A Dockerfile that copies the `hud build` bundle gets a fresh one (the platform builds without `hud`).
  if (envFile && readFileSync(path.join(dir, recipe), 'utf8').includes('.hud/build')) {
    const { bundleProject } = await import('../docker/bundle.js');
    await bundleProject({ envFile, envName: name, outDir: path.join(dir, BUILD_DIR) });
    say(`bundled ${path.relative(dir, envFile)} (env '${name}') into ${BUILD_DIR}/`);
  }
  const context = await contextTarball(dir, { dockerfile: recipe });
  say(
    `deploying '${name}' from ${dir} (${recipe}, ${Math.ceil(context.length / 1024)} kB context)`,
  );
  const buildId = await uploadContext(client, context);
  const linked = readProjectConfig(dir);
  const registryId =
    flags.registryId ?? (linked.registryName === name ? linked.registryId : undefined);
  const triggered = await triggerBuild(client, {
    source: 'direct',
    build_id: buildId,
    name,
    no_cache: !flags.cache,
    ...(registryId ? { registry_id: registryId } : {}),
    ...(Object.keys(inputs.environmentVariables).length
      ? { environment_variables: inputs.environmentVariables }
      : {}),
    ...(Object.keys(inputs.buildArgs).length ? { build_args: inputs.buildArgs } : {}),
    ...(Object.keys(inputs.secrets).length ? { build_secrets: inputs.secrets } : {}),
  });
  if (triggered.registry_id) {
    updateProjectConfig(dir, { registryId: triggered.registry_id, registryName: name });
  }
  say(`build ${triggered.id}${triggered.version ? ` (${triggered.version})` : ''} started`);
  const final = await followBuild({
    client,
    apiKey: settings.HUD_API_KEY ?? '',
    buildId: triggered.id,
    onLog: (line) => say(`  ${line}`),
  });
  const image = typeof final.image === 'string' ? ` as ${final.image}` : '';
  const version = typeof final.version === 'string' ? ` ${final.version}` : '';
  if (final.status === 'SUCCEEDED') {
    console.log(
      `deployed '${name}'${version}${image}; linked in ${path.join(dir, '.hud', 'config.json')}`,
    );
    return true;
  }
  console.error(`hud: deploy of '${name}' ${final.status}${final.error ? `: ${final.error}` : ''}`);
  return false;
}

/**
 * The action of `hud deploy [dir]`: for the directory (or, with `--all`, each deployable child), bundles
 * a TypeScript environment when its Dockerfile copies `.hud/build/`, uploads the context (`.dockerignore`
 * respected), triggers the build, streams its log, links `.hud/config.json` `{registryId, registryName}`.
 * Sets exit code 1 unless every build ends `SUCCEEDED`.
 * @throws Error for bad flags, a missing Dockerfile or environment name; PlatformError from the platform
 *   (a wrong key: 401 with what to do).
 */
export async function deployAction(dir: string, flags: DeployFlags): Promise<void> {
  const settings = loadSettings();
  if (!settings.HUD_API_KEY) {
    throw new Error('hud deploy needs HUD_API_KEY: run `hud login` or `hud set HUD_API_KEY=<key>`');
  }
  const root = path.resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`hud deploy takes a project directory; ${root} is not one`);
  }
  const fromFile = flags.envFile ? parse(readFileSync(path.resolve(flags.envFile), 'utf8')) : {};
  const inputs: DeployInputs = {
    environmentVariables: { ...fromFile, ...parsePairs(flags.env, '--env') },
    buildArgs: parsePairs(flags.buildArg, '--build-arg'),
    secrets: parseSecrets(flags.secret, { ...settings, ...process.env }),
  };
  const dirs = flags.all ? deployableChildren(root) : [root];
  if (dirs.length === 0)
    throw new Error(`no child directory of ${root} has a Dockerfile.hud or Dockerfile`);
  let failed = 0;
  for (const target of dirs) {
    if (!(await deployOne(target, flags, inputs, settings))) failed++;
  }
  if (failed > 0) process.exitCode = 1;
}
