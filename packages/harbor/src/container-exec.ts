import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

/** What {@link execIn} runs. */
export interface ExecOptions {
  /** The program and its arguments (no shell unless you give one). */
  cmd: readonly string[];
  /** Container user (`agent`, `1000:1000`); default the image's. */
  user?: string | null | undefined;
  /** Working directory; default the container's. */
  workdir?: string | null | undefined;
  /** Variables on top of the container's. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Ends the wait after this long, ms (the process is then killed with its container or by `onTimeout`). */
  timeoutMs?: number | null | undefined;
  signal?: AbortSignal | undefined;
  /** Largest stdout and stderr kept, bytes each (default 1 MiB): the tail is kept. */
  maxOutputBytes?: number;
}

/** How an {@link execIn} ended. */
export interface ExecResult {
  /** The exit status; null when the wait timed out. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

/** Keeps the last `limit` bytes written to it. */
class TailBuffer {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  constructor(limit: number) {
    this.#limit = limit;
  }
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= this.#limit && this.#chunks.length > 1) {
      this.#size -= (this.#chunks.shift() as Buffer).length;
    }
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.#limit)).toString('utf8');
  }
}

/**
 * Runs a command in a running container through the engine's exec API (`docker exec`), collecting stdout
 * and stderr apart (the multiplexed stream is split with the modem's demuxer).
 * @throws the engine's error when the exec cannot be created or started (e.g. the container stopped);
 *   the signal's reason when aborted. A command that exits non-zero is not an error.
 */
export async function execIn(
  container: Docker.Container,
  options: ExecOptions,
): Promise<ExecResult> {
  options.signal?.throwIfAborted();
  const exec = await container.exec({
    Cmd: [...options.cmd],
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: false,
    Tty: false,
    ...(options.user ? { User: options.user } : {}),
    ...(options.workdir ? { WorkingDir: options.workdir } : {}),
    Env: Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const stdout = new TailBuffer(limit);
  const stderr = new TailBuffer(limit);
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (chunk: Buffer) => stdout.push(chunk));
  err.on('data', (chunk: Buffer) => stderr.push(chunk));
  container.modem.demuxStream(stream, out, err);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await new Promise<'ended' | 'timeout' | 'aborted'>((resolve, reject) => {
    stream.on('end', () => resolve('ended'));
    stream.on('close', () => resolve('ended'));
    stream.on('error', reject);
    if (options.timeoutMs !== null && options.timeoutMs !== undefined) {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
    }
    if (options.signal) {
      onAbort = () => resolve('aborted');
      options.signal.addEventListener('abort', onAbort, { once: true });
    }
  }).finally(() => {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  });
  if (outcome !== 'ended') {
    (stream as unknown as { destroy(): void }).destroy();
    if (outcome === 'aborted') options.signal?.throwIfAborted();
    return { exitCode: null, stdout: stdout.text(), stderr: stderr.text(), timedOut: true };
  }
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? null,
    stdout: stdout.text(),
    stderr: stderr.text(),
    timedOut: false,
  };
}

/**
 * A path for a POSIX shell inside double quotes: `$VAR` and `${VAR}` still expand (Harbor paths such as
 * `$TMPDIR/x` are meant for the container's shell), while `"`, `` ` `` and `\` are escaped.
 */
export function shExpandable(text: string): string {
  return `"${text.replace(/["`\\]/g, (char) => `\\${char}`)}"`;
}
