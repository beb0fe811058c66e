import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isRecord } from '@hud/protocol';
import { BuildFiles, IMAGE_APP_DIR } from './bundle.js';

/** The Dockerfiles `hud build` looks for, in order (hud-python `hud deploy`: `Dockerfile.hud`, else `Dockerfile`). */
export const RECIPES = ['Dockerfile.hud', 'Dockerfile'] as const;

/** Where `hud build` writes the bundle, relative to the project. */
export const BUILD_DIR = path.join('.hud', 'build');

/**
 * The Dockerfile `hud build` writes (inside {@link BUILD_DIR}) when the project has none: the bundle on a
 * Node base, no network.
 */
export const DEFAULT_DOCKERFILE = path.join(BUILD_DIR, 'Dockerfile');

/** The generated Dockerfile's text. */
export function defaultDockerfile(): string {
  return `# Written by hud build (the project has no Dockerfile.hud or Dockerfile). The build needs no network:
# hud build bundles the environment and the hud CLI into .hud/build/ first.
ARG BASE=node:24-slim
FROM \${BASE}
WORKDIR ${IMAGE_APP_DIR}
COPY ${BUILD_DIR.split(path.sep).join('/')}/ ${IMAGE_APP_DIR}/
COPY ${BUILD_DIR.split(path.sep).join('/')}/${BuildFiles.shim} /usr/local/bin/hud
EXPOSE 8765
CMD ["node", "${IMAGE_APP_DIR}/${BuildFiles.server}"]
`;
}

/** The Dockerfile of a project dir, relative to it, or undefined when it has none. */
export function findRecipe(dir: string): string | undefined {
  return RECIPES.find((name) => existsSync(path.join(dir, name)));
}

/**
 * A Docker image name for an environment name: lower case, characters outside `[a-z0-9._-]` replaced by
 * `-` (image names allow no upper case or spaces).
 */
export function imageNameFor(envName: string): string {
  const name = envName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'hud-environment';
}

/** `.hud/config.json` of a project (hud-python keeps `registryId`, `tasksetId`… there; merged writes). */
export interface ProjectConfig {
  /** Environment name → the image tag `hud build` produced for it. */
  images?: Record<string, string>;
  [key: string]: unknown;
}

const configPath = (dir: string) => path.join(dir, '.hud', 'config.json');

/** The project's `.hud/config.json`, or `{}`. */
export function readProjectConfig(dir: string): ProjectConfig {
  try {
    const parsed: unknown = JSON.parse(readFileSync(configPath(dir), 'utf8'));
    return isRecord(parsed) ? (parsed as ProjectConfig) : {};
  } catch {
    return {};
  }
}

/** Records `images[envName] = tag` in `.hud/config.json`, keeping every other key. Returns the file. */
export function recordImage(dir: string, envName: string, tag: string): string {
  const config = readProjectConfig(dir);
  config.images = { ...config.images, [envName]: tag };
  mkdirSync(path.dirname(configPath(dir)), { recursive: true });
  writeFileSync(configPath(dir), `${JSON.stringify(config, null, 2)}\n`);
  return configPath(dir);
}

/**
 * The image recorded for `envName` by `hud build` in the nearest `.hud/config.json` at or above `from`
 * (a tasks file or directory), then in the current directory's. Returns the tag and the config file.
 */
export function recordedImage(
  envName: string,
  from: string,
): { tag: string; file: string } | undefined {
  const start = path.resolve(from);
  let dir = existsSync(start) && statSync(start).isDirectory() ? start : path.dirname(start);
  const seen = new Set<string>();
  for (;;) {
    seen.add(dir);
    const tag = readProjectConfig(dir).images?.[envName];
    if (tag) return { tag, file: configPath(dir) };
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const cwd = process.cwd();
  if (!seen.has(cwd)) {
    const tag = readProjectConfig(cwd).images?.[envName];
    if (tag) return { tag, file: configPath(cwd) };
  }
  return undefined;
}
