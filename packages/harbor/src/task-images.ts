import { createHash } from 'node:crypto';
import path from 'node:path';
import { withTimeLimit } from '@hud/protocol';
import { buildImage, imageExists } from '@hud/runtimes-docker';
import type Docker from 'dockerode';
import { HarborRunError } from './errors.js';
import { OncePerKey } from './once-per-key.js';
import type { HarborTask } from './task-config.js';
import { hashTree } from './tree-digest.js';

/** Options of {@link TaskImages}. */
export interface TaskImagesOptions {
  docker?: Docker;
  /** Rebuild even when an image with the content-addressed tag exists (`--force-build`). */
  forceBuild?: boolean;
  /** Each line of build output. */
  onProgress?: (line: string) => void;
}

/**
 * The images of Harbor tasks, built once per content: `environment/` (or `[environment].docker_image`)
 * for the agent's container, `tests/` (its `Dockerfile`) for a separate verifier. Tags are content
 * addressed (`hud-harbor/<name>:<sha12 of the directory>`), so an unchanged task reuses its image across
 * jobs, and concurrent rollouts of one task wait for a single build. Builds use BuildKit, as Harbor's
 * `docker compose build` does (task Dockerfiles use BuildKit-only syntax such as `COPY --chmod`).
 */
export class TaskImages {
  readonly #options: TaskImagesOptions;
  readonly #builds = new OncePerKey<string>();

  constructor(options: TaskImagesOptions = {}) {
    this.#options = options;
  }

  /**
   * The image of the task's agent container.
   * @throws HarborRunError `image_build_failed` (a failed step, the build past `build_timeout_sec`, a
   *   missing `docker_image`).
   */
  agentImage(task: HarborTask): Promise<string> {
    const { dockerImage } = task.config.environment;
    if (dockerImage) return this.#prebuilt(dockerImage, task);
    return this.#build(
      task,
      path.join(task.dir, 'environment'),
      'env',
      task.config.environment.buildTimeoutSec,
    );
  }

  /**
   * The image of a separate verifier, built from `<context>/Dockerfile`: the task's `tests/` (default) or a
   * step's `steps/<name>/tests/`, within the build timeout of the `[verifier.environment]` that applies
   * (the step's own, else the task's; default 600 s).
   * @throws HarborRunError `image_build_failed`.
   */
  verifierImage(task: HarborTask, context = path.join(task.dir, 'tests')): Promise<string> {
    const own = path.relative(task.dir, context).split(path.sep);
    const step = own[0] === 'steps' ? task.config.steps.find((each) => each.name === own[1]) : null;
    const environment = (step?.verifier ?? task.config.verifier).environment;
    return this.#build(task, context, 'verifier', environment?.buildTimeoutSec ?? 600);
  }

  #prebuilt(image: string, task: HarborTask): Promise<string> {
    return this.#builds.get(image, async () => {
      if (!(await imageExists(image, { docker: this.#options.docker }))) {
        throw new HarborRunError(
          'image_build_failed',
          `task '${task.slug}': [environment].docker_image '${image}' is not present locally (pull it or build it first)`,
        );
      }
      return image;
    });
  }

  #build(task: HarborTask, context: string, role: string, timeoutSec: number): Promise<string> {
    return this.#builds.get(`${context}\0${role}`, () =>
      this.#buildNow(task, context, role, timeoutSec),
    );
  }

  async #buildNow(
    task: HarborTask,
    context: string,
    role: string,
    timeoutSec: number,
  ): Promise<string> {
    const name =
      task.slug
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[^a-z0-9]+/, '') || 'task';
    const tag = `hud-harbor/${name}-${role}:${hashTree(createHash('sha256'), context).digest('hex').slice(0, 12)}`;
    if (!this.#options.forceBuild && (await imageExists(tag, { docker: this.#options.docker })))
      return tag;
    try {
      await withTimeLimit(
        buildImage({
          context,
          tags: [tag],
          builder: 'buildkit',
          noCache: this.#options.forceBuild,
          labels: { 'hud.harbor.task': task.slug },
          onProgress: this.#options.onProgress,
          docker: this.#options.docker,
        }),
        timeoutSec * 1000,
        () =>
          new HarborRunError(
            'image_build_failed',
            `task '${task.slug}': building ${path.relative(task.dir, context)}/Dockerfile took longer than build_timeout_sec = ${timeoutSec} s`,
          ),
      );
    } catch (error) {
      if (HarborRunError.isInstance(error)) throw error;
      throw new HarborRunError(
        'image_build_failed',
        `task '${task.slug}': building ${path.relative(task.dir, context)}/Dockerfile failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return tag;
  }
}
