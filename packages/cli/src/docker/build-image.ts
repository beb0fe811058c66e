import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnvironment, resolveEnvironmentFile } from '@hud/environment';
import type { BuiltImage } from '@hud/runtimes-docker';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { loadDockerRuntime } from '../optional-package.js';
import { BuildFiles, bundleProject } from './bundle.js';
import {
  BUILD_DIR,
  DEFAULT_DOCKERFILE,
  defaultDockerfile,
  findRecipe,
  imageNameFor,
  recordImage,
} from './project.js';

/** Options of {@link buildProjectImage}. */
export interface ProjectBuildOptions {
  /** The project directory (holds env.ts and a Dockerfile.hud / Dockerfile). */
  dir: string;
  /** Image tag (default `<env name>:latest`). */
  tag?: string;
  /** The environment to serve when the env file declares several. */
  env?: string;
  /** The Dockerfile, relative to `dir` (default Dockerfile.hud, else Dockerfile, else a generated one). */
  file?: string;
  buildArgs?: Readonly<Record<string, string>>;
  noCache?: boolean;
  /** Each line of progress (bundling, the engine's build steps). */
  onProgress?: (line: string) => void;
  /** The command building, for the message when `@hud/runtimes-docker` is missing (default `hud build`). */
  command?: string;
}

/** What {@link buildProjectImage} did. */
export interface ProjectBuild {
  readonly envName: string;
  readonly envFile: string;
  readonly tag: string;
  /** The Dockerfile used, relative to the project. */
  readonly recipe: string;
  readonly image: BuiltImage;
  /** The `.hud/config.json` the tag was recorded in. */
  readonly configFile: string;
}

/** Context paths `hud build` leaves out: `.hud/` state other than the bundle. */
function excludeState(relative: string): boolean {
  const build = BUILD_DIR.split(path.sep).join('/');
  return relative.startsWith('.hud/') && relative !== build && !relative.startsWith(`${build}/`);
}

/**
 * `hud build`: loads the project's environment (for its name), bundles it and the CLI into
 * `.hud/build/`, builds the image from `Dockerfile.hud` (else `Dockerfile`, else a generated one) with the
 * project as context, and records the tag in `.hud/config.json` under `images.<env name>`.
 * @throws HudError `load_failed` when the environment does not load; esbuild's error when it does not
 *   bundle; DockerRuntimeError `build_failed` (naming the failing step) or `docker_unavailable`;
 *   MissingPackageError when `@hud/runtimes-docker` (an optional peer of the CLI) is not installed.
 */
export async function buildProjectImage(options: ProjectBuildOptions): Promise<ProjectBuild> {
  const dir = path.resolve(options.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`hud build takes a project directory; ${dir} is not one`);
  }
  // Before the bundling work: without the Docker runtime there is nothing to build with.
  const { buildImage } = await loadDockerRuntime(options.command ?? 'hud build');
  const progress = options.onProgress ?? (() => {});
  const envFile = resolveEnvironmentFile(dir);
  const { env } = await loadEnvironment(envFile, {
    name: options.env,
    fallbacks: hudModuleFallbacks(),
  });
  const tag = options.tag ?? `${imageNameFor(env.name)}:latest`;
  const began = performance.now();
  const bundle = await bundleProject({
    envFile,
    envName: env.name,
    outDir: path.join(dir, BUILD_DIR),
  });
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} kB`;
  progress(
    `bundled ${path.relative(dir, envFile)} (env '${env.name}') → ${BUILD_DIR}/${BuildFiles.server} (${kb(bundle.serverBytes)}), ${BuildFiles.cli} (${kb(bundle.cliBytes)}) in ${Math.round(performance.now() - began)} ms`,
  );
  let recipe = options.file ?? findRecipe(dir);
  if (recipe === undefined) {
    recipe = DEFAULT_DOCKERFILE;
    writeFileSync(path.join(dir, recipe), defaultDockerfile());
    progress(`no Dockerfile.hud or Dockerfile: using the generated ${recipe}`);
  }
  const image = await buildImage({
    context: dir,
    dockerfile: recipe.split(path.sep).join('/'),
    tags: [tag],
    buildArgs: options.buildArgs,
    noCache: options.noCache,
    labels: { 'hud.env': env.name },
    exclude: excludeState,
    onProgress: progress,
  });
  const configFile = recordImage(dir, env.name, tag);
  return { envName: env.name, envFile, tag, recipe, image, configFile };
}
