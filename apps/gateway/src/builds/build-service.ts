import { EventEmitter } from 'node:events';
import Docker from 'dockerode';
import { messageOf } from '../errors.js';
import type { BuildRecord, BuildStatus, BuildStore } from '../store/areas/builds.js';
import { BuildFiles } from './build-files.js';
import { buildContext, pushImage } from './engine-build.js';

/** Options of {@link BuildService}. */
export interface BuildServiceOptions {
  store: BuildStore;
  /** Where contexts and logs live (`<data dir>/builds`). */
  dir: string;
  /** `host:port` of an OCI registry to push each built version to; without it images stay local. */
  registry?: string;
  docker?: Docker;
}

/** A message of a build's live log (the WebSocket `/v2/builds/{id}/logs` sends these as JSON). */
export type BuildEvent =
  | { type: 'log'; message: string }
  | { type: 'status_update'; status: BuildStatus };

/** A build running in this process: its lines so far and its listeners. */
interface Running {
  lines: string[];
  status: BuildStatus;
  events: EventEmitter;
}

/**
 * A Docker image repository name for an environment name: lower case, characters outside `[a-z0-9._-]`
 * replaced by `-` (image names allow no upper case or spaces).
 */
export function repositoryName(envName: string): string {
  const name = envName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'hud-environment';
}

/** `text` with every secret value replaced by `***`. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/**
 * Runs triggered builds one at a time with the Docker engine (BuildKit), writes each one's output to its
 * log file, streams it to listeners, pushes the image when a registry is configured and records the
 * outcome. Secrets live only in memory while their build runs and are masked in every line written.
 */
export class BuildService {
  readonly files: BuildFiles;
  readonly registry: string | undefined;
  readonly #store: BuildStore;
  readonly #docker: Docker;
  readonly #running = new Map<string, Running>();
  #queue: Promise<void> = Promise.resolve();

  constructor(options: BuildServiceOptions) {
    this.files = new BuildFiles(options.dir);
    this.registry = options.registry;
    this.#store = options.store;
    this.#docker = options.docker ?? new Docker();
  }

  /** Marks builds left unfinished by a previous process `FAILED` (their log says why). */
  async recover(): Promise<void> {
    const reason = 'the gateway stopped during this build: deploy again';
    for (const id of await this.#store.failUnfinished(reason)) {
      const log = await this.files.openLog(id);
      log.write(`ERROR: ${reason}`);
      await log.close();
    }
  }

  /** Queues a triggered build; `secrets` (id → value) are served to it through a BuildKit session. */
  start(build: BuildRecord, secrets: Readonly<Record<string, string>>): void {
    const running: Running = { lines: [], status: build.status, events: new EventEmitter() };
    this.#running.set(build.id, running);
    this.#queue = this.#queue
      .then(() => this.#run(build, secrets, running))
      .catch(async (error: unknown) => {
        // Only the log file could not be opened: the build still ends, FAILED with the reason.
        this.#running.delete(build.id);
        await this.#store
          .setStatus(build.id, 'FAILED', {
            error: `the build log cannot be written: ${messageOf(error)}`,
          })
          .catch(() => {});
      });
  }

  /** Resolves once every queued build has ended. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /**
   * The lines so far and a subscription to the rest, for a build running in this process (synchronous,
   * so no line falls between the two); undefined once it has ended (read the log file then).
   */
  follow(
    id: string,
    listener: (event: BuildEvent) => void,
  ): { lines: string[]; status: BuildStatus; stop: () => void } | undefined {
    const running = this.#running.get(id);
    if (!running) return undefined;
    running.events.on('event', listener);
    return {
      lines: [...running.lines],
      status: running.status,
      stop: () => running.events.off('event', listener),
    };
  }

  async #run(
    build: BuildRecord,
    secrets: Readonly<Record<string, string>>,
    running: Running,
  ): Promise<void> {
    const values = Object.values(secrets);
    const log = await this.files.openLog(build.id);
    const line = (text: string) => {
      const safe = redact(text, values);
      log.write(safe);
      running.lines.push(safe);
      running.events.emit('event', { type: 'log', message: safe } satisfies BuildEvent);
    };
    const status = async (next: BuildStatus, detail: { image?: string; error?: string } = {}) => {
      running.status = next;
      await this.#store.setStatus(build.id, next, detail);
      running.events.emit('event', { type: 'status_update', status: next } satisfies BuildEvent);
    };
    const repository = `${this.registry ? `${this.registry}/` : 'hud-gateway/'}${repositoryName(build.name ?? '')}`;
    const version = build.version ?? 'v0.1.0';
    const image = `${repository}:${version}`;
    try {
      await status('BUILDING');
      line(`building ${build.name} ${version} as ${image}`);
      await buildContext({
        docker: this.#docker,
        contextFile: this.files.context(build.id),
        tag: image,
        buildArgs: build.build_args,
        noCache: build.no_cache,
        secrets,
        labels: { 'hud.env': build.name ?? '', 'hud.version': version, 'hud.build': build.id },
        onLine: line,
      });
      if (this.registry) {
        await status('PUSHING');
        line(`pushing ${image}`);
        await pushImage(this.#docker, repository, version, line);
      }
      line(`built ${image}`);
      await log.close();
      await status('SUCCEEDED', { image });
    } catch (error) {
      const message = redact(messageOf(error), values);
      line(`ERROR: ${message}`);
      await log.close().catch(() => {});
      await status('FAILED', { error: message }).catch(() => {});
    } finally {
      this.#running.delete(build.id);
      running.events.removeAllListeners();
    }
  }
}
