import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { HudClient } from '@hud/protocol';
import { afterAll, beforeAll } from 'vitest';

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

/** The conformance env served for one `describe` block ({@link serveForSuite}). */
export interface SuiteServe {
  /** The `hud serve` child; throws outside a test (before `beforeAll` ran). */
  readonly served: ServedEnv;
  /** Its control channel, `tcp://127.0.0.1:<port>`. */
  readonly url: string;
}

/** Serves `examples/conformance/env.ts` for the enclosing `describe`: started in `beforeAll`, stopped in `afterAll`. */
export function serveForSuite(): SuiteServe {
  let served: ServedEnv | undefined;
  beforeAll(async () => {
    served = await serveEnv();
  });
  afterAll(async () => {
    await served?.stop();
  });
  const current = (): ServedEnv => {
    if (!served) throw new Error('the suite env is served in beforeAll: read it inside a test');
    return served;
  };
  return {
    get served() {
      return current();
    },
    get url() {
      return `tcp://127.0.0.1:${current().port}`;
    },
  };
}

/** A HudClient (no heartbeat) connected to the control port of `served`. */
export function connectClient(served: ServedEnv): Promise<HudClient> {
  return HudClient.connect(`tcp://127.0.0.1:${served.port}`, { heartbeatIntervalMs: 0 });
}
