import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import { Labels } from './labels.js';

/** How a container ended. */
export interface ContainerExit {
  /** The exit status (137 after SIGKILL, e.g. on removal; -1 when the engine could not say). */
  readonly code: number;
}

interface Watched {
  readonly container: Docker.Container;
  readonly started: Promise<unknown>;
  readonly resolve: (exit: ContainerExit) => void;
}

/**
 * `container.wait()` once `started` settles, as a {@link ContainerExit} (a container that did not start,
 * or is already gone, counts as exited with -1). `wait` must not be sent earlier: the engine answers it at
 * once for a container that is not running yet.
 * @internal
 */
export function waitAfter(
  container: Docker.Container,
  started: Promise<unknown>,
): Promise<ContainerExit> {
  return started.then(
    () =>
      container.wait().then(
        (result: { StatusCode?: number }) => ({ code: result.StatusCode ?? -1 }),
        () => ({ code: -1 }),
      ),
    () => ({ code: -1 }),
  );
}

/**
 * Learns when this process's containers stop from one engine event stream (`GET /events`, `die` events of
 * containers labelled `hud.managed=1` and owned by this pid) instead of one `POST /containers/<id>/wait`
 * per container: a rollout's container costs one engine request less. The stream opens on first use,
 * before the first container starts (the engine has subscribed once it answers). If it ends or cannot
 * open (an engine restart), every watched container and every later one falls back to its own `wait`
 * request, which answers at once for a container already stopped.
 * @internal
 */
export class ExitWatch {
  readonly #docker: Docker;
  readonly #watched = new Map<string, Watched>();
  readonly #abort = new AbortController();
  #opening: Promise<void> | undefined;
  /** The stream's socket: holds the process open only while a container is watched. */
  #socket: { ref(): unknown; unref(): unknown } | undefined;
  /** Set once the stream failed or was closed: use `wait` per container. */
  #fallback = false;

  constructor(docker: Docker) {
    this.#docker = docker;
  }

  /** Subscribes once (later calls share the first); never rejects (falls back to `wait`). */
  open(): Promise<void> {
    this.#opening ??= this.#subscribe();
    return this.#opening;
  }

  /**
   * Resolves when `container` stops (or is removed). Call it after {@link open}, in the same tick as the
   * start request `started` is sent; the promise never rejects.
   */
  exitOf(container: Docker.Container, started: Promise<unknown>): Promise<ContainerExit> {
    if (this.#fallback) return waitAfter(container, started);
    const exit = new Promise<ContainerExit>((resolve) => {
      this.#watched.set(container.id, { container, started, resolve });
      this.#socket?.ref();
    });
    // A container that did not start never dies: stop watching it.
    started.catch(() => this.forget(container.id));
    return exit;
  }

  /** Stops watching `id` (its container is being removed; its exit no longer matters). */
  forget(id: string): void {
    const watched = this.#watched.get(id);
    if (!watched) return;
    this.#unwatch(id);
    watched.resolve({ code: -1 });
  }

  #unwatch(id: string): void {
    this.#watched.delete(id);
    if (this.#watched.size === 0) this.#socket?.unref();
  }

  /** Closes the stream; containers still watched resolve as exited (-1): their provider is removing them. */
  close(): void {
    this.#fallback = true;
    this.#abort.abort();
    for (const id of [...this.#watched.keys()]) this.forget(id);
  }

  async #subscribe(): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.#docker.getEvents({
        filters: {
          type: ['container'],
          event: ['die'],
          label: [`${Labels.managed}=1`, `${Labels.ownerPid}=${process.pid}`],
        },
        abortSignal: this.#abort.signal,
      } as Docker.GetEventsOptions);
    } catch {
      this.#fail();
      return;
    }
    const socket = (stream as { socket?: { ref(): unknown; unref(): unknown } }).socket;
    this.#socket = socket;
    if (this.#watched.size === 0) socket?.unref();
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => this.#onEvent(line));
    lines.on('close', () => this.#fail());
    // readline forwards the stream's errors (an abort on close(), a dropped engine) to the interface.
    lines.on('error', () => this.#fail());
  }

  #onEvent(line: string): void {
    let event: { id?: unknown; Actor?: { ID?: unknown; Attributes?: { exitCode?: unknown } } };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    const watched = typeof id === 'string' ? this.#watched.get(id) : undefined;
    if (!watched) return;
    this.#unwatch(id as string);
    const code = Number(event.Actor?.Attributes?.exitCode);
    watched.resolve({ code: Number.isInteger(code) ? code : -1 });
  }

  /** The stream is gone: hand every watched container to its own `wait`. */
  #fail(): void {
    if (this.#fallback) return;
    this.#fallback = true;
    const watched = [...this.#watched.values()];
    this.#watched.clear();
    for (const { container, started, resolve } of watched) {
      void waitAfter(container, started).then(resolve);
    }
  }
}
