import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HudRun, runHud } from './run-hud.js';
import { HUD_BIN } from './served-env.js';

/** The workspace's `@hud/gateway` package and its built bin. */
export const GATEWAY_PACKAGE_DIR = fileURLToPath(
  new URL('../../../../apps/gateway/', import.meta.url),
);
export const GATEWAY_BIN = path.join(GATEWAY_PACKAGE_DIR, 'bin', 'hud-gateway.js');

/** A running `hud-gateway` (or `hud gateway`) process. */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  dataDir: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM (or `signal`), then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A fresh temporary directory (removed by {@link removeTemp}). */
const temps: string[] = [];
export function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hud-${label}-`));
  temps.push(dir);
  return dir;
}
/** Removes every {@link tempDir}. */
export function removeTemp(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A new admin key for `HUD_GATEWAY_BOOTSTRAP_KEY`. */
export const newAdminKey = () => `hud_e2e_admin_${randomBytes(16).toString('hex')}`;
/** A run id as hud-python mints them (`uuid4().hex`). */
export const newRunId = () => randomUUID().replaceAll('-', '');

/**
 * Spawns `node <script> <args>` and waits for the gateway's `listening on <url>` line.
 * @throws Error with the process's stderr when it exits first.
 */
export async function startGatewayProcess(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) =>
      reject(new Error(`gateway exited (${code}) before listening:\n${stderr}`)),
    );
  });
  return {
    child,
    url,
    dataDir,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts the workspace's gateway bin on 127.0.0.1 (any free port) with a temp data dir and `adminKey`. */
export async function startGateway(adminKey: string): Promise<GatewayProcess> {
  if (!existsSync(path.join(GATEWAY_PACKAGE_DIR, 'dist', 'bin.js'))) {
    throw new Error('apps/gateway is not built: run `pnpm --filter @hud/gateway build` first');
  }
  const dataDir = tempDir('gateway-data');
  return startGatewayProcess(
    GATEWAY_BIN,
    ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'],
    { PATH: process.env.PATH ?? '', HUD_GATEWAY_BOOTSTRAP_KEY: adminKey },
    dataDir,
  );
}

/**
 * A directory whose `@hud/gateway` is the workspace's package (a symlink, as pnpm installs it): a
 * `NODE_PATH` under which the CLI finds the gateway the way a user's install does.
 */
export function nodePathWithGateway(): string {
  const dir = tempDir('node-path');
  mkdirSync(path.join(dir, '@hud'));
  symlinkSync(GATEWAY_PACKAGE_DIR, path.join(dir, '@hud', 'gateway'), 'dir');
  return dir;
}

/** The environment of a `hud` child: PATH, a HOME of its own, and the given variables only. */
export function hudEnv(home: string, vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: home, ...vars };
}

/** Runs the built CLI with {@link hudEnv}. */
export function hud(
  args: string[],
  options: { home: string; vars?: Record<string, string>; cwd?: string; timeoutMs?: number },
): Promise<HudRun> {
  return runHud(args, {
    env: hudEnv(options.home, options.vars),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/** A JSON request to the gateway with `key`, as hud-python sends them; resolves status and body. */
export async function call(
  url: string,
  key: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A step span as hud-python uploads it (spec §8.2). */
export function stepSpan(traceId: string, step: Record<string, unknown>, at: Date) {
  return {
    name: `step.${String(step.source)}`,
    trace_id: traceId,
    span_id: randomBytes(8).toString('hex'),
    parent_span_id: null,
    kind: 'INTERNAL',
    start_time: at.toISOString(),
    end_time: at.toISOString(),
    status_code: step.error ? 'ERROR' : 'OK',
    status_message: (step.error as string | undefined) ?? null,
    attributes: { 'hud.schema': 'hud.step.v1', 'hud.task_run_id': traceId, 'hud.payload': step },
    events: [],
  };
}

/** A running `hud` child: what it printed so far, and its exit. */
export interface HudChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** A running `hud worker` child. */
export type WorkerProcess = HudChild;

/**
 * Spawns the built CLI with `args` in `cwd` with {@link hudEnv} (`home`, `vars`) and collects its output,
 * for commands a test watches while they run (`hud eval … --remote`, `hud worker`).
 */
export function spawnHud(
  args: string[],
  options: { cwd: string; home: string; vars: Record<string, string> },
): HudChild {
  const child = spawn(process.execPath, [HUD_BIN, ...args], {
    cwd: options.cwd,
    env: hudEnv(options.home, options.vars),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Starts `hud worker --runtime <runtime> --concurrency <concurrency> --name <name>` ({@link spawnHud}). */
export function startHudWorker(options: {
  cwd: string;
  name: string;
  home: string;
  vars: Record<string, string>;
  runtime?: string;
  concurrency?: number;
}): WorkerProcess {
  return spawnHud(
    [
      'worker',
      '--runtime',
      options.runtime ?? 'local',
      '--concurrency',
      String(options.concurrency ?? 2),
      '--name',
      options.name,
    ],
    options,
  );
}
