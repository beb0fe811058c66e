import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerLogLine } from './container-logs.js';
import { abortable } from './plan.js';

/**
 * The line a hud server prints once its control port serves (`PORT_ANNOUNCEMENT` of `@hud/environment`,
 * printed by `hud build` images, `hud serve` and the local runtime's children): `HUD_SERVE_PORT=<port>`.
 */
export const PORT_ANNOUNCEMENT = 'HUD_SERVE_PORT=';

/** Lines kept per container: what {@link ContainerOutput.lines} can give (the job store asks for 2 000). */
export const KEPT_LINES = 2_000;

/**
 * A container's stdout and stderr as it runs, from one `POST /containers/<id>/attach` sent before the
 * container starts (so nothing it prints is missed): the last {@link KEPT_LINES} lines with the time they
 * arrived, and whether the container announced its control port ({@link PORT_ANNOUNCEMENT}). With it, a
 * rollout's logs need no `GET /containers/<id>/logs` request, and readiness needs no polling of the
 * published port (each poll goes through the engine's port proxy).
 * @internal
 */
export class ContainerOutput {
  readonly #lines: ContainerLogLine[] = [];
  readonly #partial = { stdout: '', stderr: '' };
  readonly #stream: NodeJS.ReadableStream & { destroy?(): void };
  #ended = false;
  #announced = false;
  readonly #waiters = new Set<(announced: boolean) => void>();

  private constructor(stream: NodeJS.ReadableStream & { destroy?(): void }, docker: Docker) {
    this.#stream = stream;
    // Never what keeps the process alive: the container (its lease, the provider) is held elsewhere.
    (stream as { socket?: { unref?(): unknown } }).socket?.unref?.();
    const sink = (name: 'stdout' | 'stderr') => {
      const pass = new PassThrough();
      pass.on('data', (chunk: Buffer) => this.#take(name, chunk.toString('utf8')));
      return pass;
    };
    docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
    const end = () => this.#end();
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  }

  /**
   * Attaches to `container` (created, not yet started) without stdin; undefined when the engine refuses
   * (the caller then reads logs and polls as without it).
   */
  static async attach(
    container: Docker.Container,
    docker: Docker,
  ): Promise<ContainerOutput | undefined> {
    try {
      const stream = (await container.attach({
        stream: true,
        stdout: true,
        stderr: true,
      })) as NodeJS.ReadableStream & { destroy?(): void };
      return new ContainerOutput(stream, docker);
    } catch {
      return undefined;
    }
  }

  /** Whether the stream still follows the container (false once it stopped or the stream broke). */
  get following(): boolean {
    return !this.#ended;
  }

  /** Whether a line starting with {@link PORT_ANNOUNCEMENT} was printed. */
  get announced(): boolean {
    return this.#announced;
  }

  /**
   * Resolves true once the container announced its control port, false if the stream ends first (the
   * container stopped, or the engine dropped the stream).
   */
  announcement(): Promise<boolean> {
    if (this.#announced || this.#ended) return Promise.resolve(this.#announced);
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  /** The last `limit` lines (stdout and stderr interleaved as they arrived), with their arrival times. */
  lines(limit = KEPT_LINES): ContainerLogLine[] {
    const pending = (['stdout', 'stderr'] as const)
      .filter((stream) => this.#partial[stream] !== '')
      .map((stream) => ({ time: new Date().toISOString(), stream, line: this.#partial[stream] }));
    return [...this.#lines, ...pending].slice(-limit);
  }

  /** Stops following (the container is being removed). */
  close(): void {
    this.#stream.destroy?.();
    this.#end();
  }

  #take(stream: 'stdout' | 'stderr', text: string): void {
    const parts = (this.#partial[stream] + text).split('\n');
    this.#partial[stream] = parts.pop() ?? '';
    const time = new Date().toISOString();
    for (const raw of parts) {
      const line = raw.replace(/\r$/, '');
      this.#lines.push({ time, stream, line });
      if (!this.#announced && line.startsWith(PORT_ANNOUNCEMENT)) this.#settle(true);
    }
    if (this.#lines.length > KEPT_LINES) this.#lines.splice(0, this.#lines.length - KEPT_LINES);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settle(this.#announced);
  }

  #settle(announced: boolean): void {
    this.#announced = announced;
    for (const resolve of this.#waiters) resolve(announced);
    this.#waiters.clear();
  }
}

/**
 * Resolves once `output` announced the control port or stopped following, or after `timeoutMs` (the
 * caller's own readiness check then reports what is wrong); rejects with `signal.reason` on abort.
 * @internal
 */
export async function untilAnnounced(
  output: ContainerOutput,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await abortable(Promise.race([output.announcement(), expired]), signal);
  } finally {
    clearTimeout(timer);
  }
}
