// Test helper: the real `hud-gateway` bin as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built bin (tests of the bin need `pnpm --filter @hud/gateway build` first, as turbo does). */
export const BIN = fileURLToPath(new URL('../../bin/hud-gateway.js', import.meta.url));
const DIST_BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

/** A running gateway process. */
export interface GatewayProcess extends AsyncDisposable {
  child: ChildProcess;
  url: string;
  /** Everything it printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit; resolves the exit code. */
  stop(): Promise<number | null>;
}

/** What a bin run printed and how it ended (for runs that exit). */
export interface BinExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function assertBuilt(): void {
  if (!existsSync(DIST_BIN)) {
    throw new Error(`${DIST_BIN} is missing: run \`pnpm --filter @hud/gateway build\` first`);
  }
}

/** Runs the bin until it exits (for option errors). */
export async function runBinToExit(
  args: string[],
  env: Record<string, string> = {},
): Promise<BinExit> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.on('exit', (exit) => resolve(exit)),
  );
  return { code, stdout, stderr };
}

/** Starts the bin and waits for its `listening on <url>` line. */
export async function startBin(
  args: string[],
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, HUD_GATEWAY_BOOTSTRAP_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) =>
      reject(new Error(`hud-gateway exited (${code}) before listening:\n${stderr}`)),
    );
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
