import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type Docker from 'dockerode';
import { extract } from 'tar-stream';
import { decodeTrace } from './buildkit-proto.js';
import { type BuildkitSession, openBuildkitSession } from './buildkit-session.js';
import { TraceLines } from './trace-lines.js';

/** The Dockerfiles a context is built from, in order (hud-python `hud deploy`, spec §9.6). */
export const RECIPES = ['Dockerfile.hud', 'Dockerfile'] as const;

/** Options of {@link buildContext}. */
export interface EngineBuildOptions {
  docker: Docker;
  /** A gzip-compressed tar of the build context. */
  contextFile: string;
  /** Tag of the image (`name:version`, with the registry host when it will be pushed). */
  tag: string;
  buildArgs: Readonly<Record<string, string>>;
  noCache: boolean;
  /** BuildKit secrets (`RUN --mount=type=secret,id=<key>`): served from memory through a session. */
  secrets: Readonly<Record<string, string>>;
  labels?: Readonly<Record<string, string>>;
  /** Each line of output (BuildKit's plain progress), in order. */
  onLine: (line: string) => void;
}

/** A failed build; `message` names the failing step and the engine's reason. */
export class BuildFailure extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BuildFailure';
  }
}

interface BuildEvent {
  id?: string;
  aux?: unknown;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * The Dockerfile at the root of a gzip tar context: `Dockerfile.hud`, else `Dockerfile`.
 * @throws BuildFailure when the context has neither or is not a gzip tar.
 */
export async function findRecipe(contextFile: string): Promise<string> {
  const names = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    const tar = extract();
    tar.on('entry', (header, stream, next) => {
      names.add(header.name.replace(/^\.\//, ''));
      stream.on('end', next);
      stream.resume();
    });
    tar.on('finish', resolve);
    tar.on('error', reject);
    const gunzip = createGunzip();
    gunzip.on('error', reject);
    createReadStream(contextFile).on('error', reject).pipe(gunzip).pipe(tar);
  }).catch((error: unknown) => {
    throw new BuildFailure(`the build context is not a gzip-compressed tar: ${String(error)}`, {
      cause: error,
    });
  });
  const recipe = RECIPES.find((name) => names.has(name));
  if (!recipe) {
    throw new BuildFailure('the build context has no Dockerfile.hud or Dockerfile at its root');
  }
  return recipe;
}

/**
 * Builds `contextFile` with the engine's BuildKit (API `version=2`, as `DOCKER_BUILDKIT=1 docker build`),
 * with a session serving `secrets` when there are any, and streams the plain progress lines to `onLine`.
 * The engine reports a failing step inside the stream: it rejects with that step's error, and the step's
 * output has been streamed before. Resolves the image id (`sha256:…`).
 * @throws BuildFailure for a failing step, a context without a Dockerfile, an engine error.
 */
export async function buildContext(options: EngineBuildOptions): Promise<string> {
  const dockerfile = await findRecipe(options.contextFile);
  const { docker } = options;
  const trace = new TraceLines();
  let session: BuildkitSession | undefined;
  let imageId = '';
  try {
    if (Object.keys(options.secrets).length > 0) {
      session = await openBuildkitSession(docker, options.secrets);
    }
    // Dialled directly: dockerode's buildImage opens a session of its own for `version=2` builds (registry
    // credentials only) and would replace the one serving the secrets.
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      docker.modem.dial(
        {
          path: '/build?',
          method: 'POST',
          file: createReadStream(options.contextFile),
          options: {
            t: options.tag,
            dockerfile,
            buildargs: { ...options.buildArgs },
            nocache: options.noCache,
            labels: { ...options.labels },
            version: '2',
            ...(session ? { session: session.id } : {}),
          },
          isStream: true,
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
        },
        (error: unknown, result: unknown) =>
          error ? reject(error) : resolve(result as NodeJS.ReadableStream),
      ),
    );
    let pending = '';
    const events = await new Promise<BuildEvent[]>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (error, output) => (error ? reject(error) : resolve(output as BuildEvent[])),
        (event: BuildEvent) => {
          if (event.id === 'moby.buildkit.trace' && typeof event.aux === 'string') {
            for (const line of trace.lines(decodeTrace(event.aux))) options.onLine(line);
          } else if (event.id === 'moby.image.id') {
            imageId = String((event.aux as { ID?: string } | undefined)?.ID ?? '');
          } else if (event.stream) {
            pending += event.stream;
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const line of lines) options.onLine(line);
          }
        },
      ),
    );
    for (const line of trace.end()) options.onLine(line);
    const failure = events.find((event) => event.error || event.errorDetail);
    if (failure) {
      throw new BuildFailure(failure.errorDetail?.message ?? failure.error ?? 'the build failed');
    }
  } catch (error) {
    if (error instanceof BuildFailure) throw error;
    throw new BuildFailure(`the engine could not build: ${engineText(error)}`, { cause: error });
  } finally {
    session?.close();
  }
  return imageId || (await docker.getImage(options.tag).inspect()).Id;
}

/** The engine's own message of a dockerode error (`json.message`), else the error's message. */
export function engineText(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Pushes `repository:tag` to its registry and streams the engine's progress to `onLine`.
 * @throws BuildFailure naming the engine's reason (registry unreachable, refused…).
 */
export async function pushImage(
  docker: Docker,
  repository: string,
  tag: string,
  onLine: (line: string) => void,
): Promise<void> {
  try {
    const stream = await docker
      .getImage(`${repository}:${tag}`)
      .push({ tag, authconfig: {} } as unknown as Parameters<Docker.Image['push']>[0]);
    const events = await new Promise<(BuildEvent & { status?: string })[]>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (error, output) => (error ? reject(error) : resolve(output)),
        (event: BuildEvent & { status?: string; progress?: string }) => {
          if (event.status && !event.progress) {
            onLine(`${event.id ? `${event.id}: ` : ''}${event.status}`);
          }
        },
      ),
    );
    const failure = events.find((event) => event.error || event.errorDetail);
    if (failure) throw new Error(failure.errorDetail?.message ?? failure.error);
  } catch (error) {
    throw new BuildFailure(`push of ${repository}:${tag} failed: ${engineText(error)}`, {
      cause: error,
    });
  }
}
