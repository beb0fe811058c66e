import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Repo paths the end-to-end tests use. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const HUD_BIN = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url));
export const CONFORMANCE_ENV = fileURLToPath(
  new URL('../../../../examples/conformance/env.ts', import.meta.url),
);

/** A `hud serve` child process. */
export interface ServedEnv {
  readonly port: number;
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly stdout: string[];
  /** stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
}

/**
 * Spawns `hud serve <file> --port 0 …` as a real child process and waits for `HUD_SERVE_PORT=`.
 * @throws Error with the child's stderr when it exits or stays silent for `timeoutMs`.
 */
export async function serveEnv(
  file: string = CONFORMANCE_ENV,
  extraArgs: string[] = [],
  timeoutMs = 20_000,
): Promise<ServedEnv> {
  const child = spawn(process.execPath, [HUD_BIN, 'serve', file, '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hud serve printed no port in ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        stdout.push(line);
        const match = /^HUD_SERVE_PORT=(\d+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`hud serve exited (${signal ?? code}) before printing its port:\n${stderr}`),
      );
    });
  });
  return {
    port,
    child,
    stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
