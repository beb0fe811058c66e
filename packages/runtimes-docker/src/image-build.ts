import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { pack } from 'tar-fs';
import {
  DockerRuntimeError,
  engineMessage,
  engineUnreachable,
  isEngineUnreachable,
} from './errors.js';
import { Labels } from './labels.js';

/** Options of {@link buildImage}. */
export interface BuildImageOptions {
  /** The build context directory. */
  context: string;
  /** The Dockerfile, relative to `context` (default `Dockerfile`). */
  dockerfile?: string;
  /** Tags of the image (`name:tag`); the first is its name in messages. */
  tags: readonly string[];
  /** `--build-arg K=V`. */
  buildArgs?: Readonly<Record<string, string>>;
  /** Do not use cached layers (`--no-cache`). */
  noCache?: boolean;
  /** Labels on the image (`hud.managed=1` is always added). */
  labels?: Readonly<Record<string, string>>;
  /**
   * Context paths (relative, `/`-separated) to leave out, on top of `.dockerignore`, `.git` and
   * `node_modules`.
   */
  exclude?: (relativePath: string) => boolean;
  /**
   * `classic` (default: the engine's original builder, whose progress stream names each step) or
   * `buildkit` (the engine's BuildKit, API `version=2`, for Dockerfile features the classic builder
   * refuses, such as `COPY --chmod`; its progress arrives as binary trace records, so `onProgress` only
   * sees errors).
   */
  builder?: 'classic' | 'buildkit';
  /** Each line of build output as it streams (`Step 2/6 : COPY …`, the steps' own output). */
  onProgress?: (line: string) => void;
  docker?: Docker;
}

/** The result of a successful {@link buildImage}. */
export interface BuiltImage {
  /** `sha256:…`. */
  readonly id: string;
  readonly tags: readonly string[];
  /** Size in bytes. */
  readonly size: number;
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Always left out of a context: version control and installed packages (bundled images need neither). */
const ALWAYS_EXCLUDED = ['.git', 'node_modules'];

/** `.dockerignore` patterns of `context` (comments and blank lines dropped; `!` exceptions kept). */
function dockerignore(context: string): string[] {
  const file = path.join(context, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/^\/+/, '').replace(/\/+$/, ''));
}

/**
 * A `.dockerignore` pattern as a regular expression, with Docker's semantics (Go `filepath.Match` plus
 * `**`): `*` and `?` match any characters but `/` (dot files included), `**` any number of folders.
 */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index++;
      if (pattern[index + 1] === '/') index++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', index + 1);
      if (end === -1) source += '\\[';
      else {
        source += `[${pattern.slice(index + 1, end).replace(/^!/, '^')}]`;
        index = end;
      }
    } else source += char.replace(/[\\^$.+(){}|/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether `relative` (or a folder above it) matches `pattern`, as the classic builder's matcher does. */
function matches(relative: string, pattern: string): boolean {
  const expression = globToRegExp(path.posix.normalize(pattern));
  const parts = relative.split('/');
  for (let depth = 1; depth <= parts.length; depth++) {
    if (expression.test(parts.slice(0, depth).join('/'))) return true;
  }
  return false;
}

/**
 * A predicate over context-relative paths: `.dockerignore` (with `!` exceptions), then `exclude`. As with
 * `docker build`, the Dockerfile and `.dockerignore` always stay in, and a folder is kept (pruned later
 * file by file) when an exception names something inside it.
 */
export function contextFilter(
  context: string,
  exclude?: (relativePath: string) => boolean,
  dockerfile = 'Dockerfile',
): (relativePath: string) => boolean {
  const patterns = dockerignore(context);
  const exceptions = patterns.filter((pattern) => pattern.startsWith('!')).map((p) => p.slice(1));
  return (relative) => {
    if (relative === '' || relative === '.') return false;
    if (relative === dockerfile || relative === '.dockerignore') return false;
    if (ALWAYS_EXCLUDED.some((name) => matches(relative, name))) return true;
    if (exclude?.(relative)) return true;
    let ignored = false;
    for (const pattern of patterns) {
      if (pattern.startsWith('!')) {
        if (matches(relative, pattern.slice(1))) ignored = false;
      } else if (matches(relative, pattern)) ignored = true;
    }
    const holdsException = exceptions.some((exception) => exception.startsWith(`${relative}/`));
    const holdsDockerfile = dockerfile.startsWith(`${relative}/`);
    return ignored && !holdsException && !holdsDockerfile;
  };
}

function buildFailure(tag: string, step: string | undefined, detail: string, tail: string[]) {
  const where = step ? ` at ${step}` : '';
  let hint = '';
  if (step && /:\s*FROM\s/i.test(step)) {
    hint =
      '\nthe base image is not available locally and could not be pulled: build the offline base with scripts/docker-setup.sh, or pass --build-arg BASE=<a local image>';
  }
  return new DockerRuntimeError(
    'build_failed',
    `docker build of ${tag} failed${where}: ${detail.trim()}${hint}`,
    { output: tail.join('\n') },
  );
}

/**
 * Builds an image from a context directory with the engine's classic builder (API 1.41, no BuildKit
 * session), streaming its output line by line. The engine reports a failing step inside the progress
 * stream, not as an HTTP error, so the stream is scanned: a failure rejects naming the step
 * (`Step 3/6 : RUN …`) and the engine's message, with the last output lines.
 * @throws DockerRuntimeError `build_failed` (a step failed, no Dockerfile, an unreachable base image),
 *   `docker_unavailable`.
 */
export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const docker = options.docker ?? new Docker();
  const [tag] = options.tags;
  if (!tag) throw new DockerRuntimeError('invalid_argument', 'buildImage: give at least one tag');
  const context = path.resolve(options.context);
  const dockerfile = options.dockerfile ?? 'Dockerfile';
  if (!existsSync(path.join(context, dockerfile))) {
    throw new DockerRuntimeError('build_failed', `no ${dockerfile} in ${context}`);
  }
  const excluded = contextFilter(context, options.exclude, dockerfile);
  const tarball = pack(context, {
    ignore: (name: string) => excluded(path.relative(context, name).split(path.sep).join('/')),
  }) as unknown as NodeJS.ReadableStream;
  const tail: string[] = [];
  let step: string | undefined;
  const onLine = (line: string) => {
    if (/^Step \d+\/\d+ : /.test(line)) step = line;
    tail.push(line);
    if (tail.length > 50) tail.shift();
    options.onProgress?.(line);
  };
  let events: BuildEvent[];
  try {
    const stream: NodeJS.ReadableStream = await docker.buildImage(tarball, {
      // The engine takes `t` repeated; docker-modem encodes an array that way.
      t: options.tags as unknown as string,
      dockerfile,
      buildargs: { ...options.buildArgs },
      nocache: options.noCache ?? false,
      labels: { ...options.labels, [Labels.managed]: '1' },
      rm: true,
      forcerm: true,
      ...(options.builder === 'buildkit' ? { version: '2' } : {}),
    });
    let pending = '';
    events = await new Promise<BuildEvent[]>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (error, output) => (error ? reject(error) : resolve(output as BuildEvent[])),
        (event: BuildEvent) => {
          const text = event.stream ?? (event.status ? `${event.status}\n` : '');
          pending += text;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) onLine(line.replace(/\r$/, ''));
        },
      ),
    );
    if (pending) onLine(pending);
  } catch (error) {
    if (isEngineUnreachable(error)) throw engineUnreachable(error);
    throw buildFailure(tag, step, engineMessage(error), tail);
  }
  // Required: the engine reports a failed step inside the stream, never as a rejected request.
  const failure = events.find((event) => event.error || event.errorDetail);
  if (failure) {
    throw buildFailure(tag, step, failure.errorDetail?.message ?? failure.error ?? '', tail);
  }
  const info = await docker.getImage(tag).inspect();
  return { id: info.Id, tags: options.tags, size: info.Size };
}

/** Whether `image` (a tag or id) exists locally. @throws DockerRuntimeError `docker_unavailable`. */
export async function imageExists(
  image: string,
  options: { docker?: Docker } = {},
): Promise<boolean> {
  const docker = options.docker ?? new Docker();
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if (isEngineUnreachable(error)) throw engineUnreachable(error);
    return false;
  }
}
