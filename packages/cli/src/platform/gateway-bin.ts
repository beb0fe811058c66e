/**
 * `hud gateway`: runs the `hud-gateway` bin of `@hud/gateway`, an optional package (the CLI does not depend
 * on it: only those who self-host install it). The bin is found the way `require` finds a package — next to
 * the CLI's own install (a global `npm install -g @hud/cli @hud/gateway` puts both in one node_modules), then
 * from the working directory (a project's devDependency), `NODE_PATH` included — and runs in this process's
 * place, so signals and the exit code are the gateway's own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { MissingPackageError } from '../optional-package.js';

/** The package `hud gateway` runs. */
export const GATEWAY_PACKAGE = '@hud/gateway';
const BIN_NAME = 'hud-gateway';

/**
 * The path of `@hud/gateway`'s `hud-gateway` bin, looked up from each of `from` (file paths or URLs a
 * `require` would start at; default: this module, then the working directory).
 * @throws MissingPackageError (code `load_failed`) naming `npm install @hud/gateway` when no lookup finds it.
 * @throws Error when the package is found but declares no `hud-gateway` bin.
 */
export function resolveGatewayBin(
  from: readonly string[] = [import.meta.url, path.join(process.cwd(), 'package.json')],
): string {
  let lastError: unknown;
  for (const start of from) {
    let manifestFile: string;
    try {
      manifestFile = createRequire(start).resolve(`${GATEWAY_PACKAGE}/package.json`);
    } catch (error) {
      lastError = error;
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      bin?: string | Record<string, string>;
    };
    const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[BIN_NAME];
    if (!bin) throw new Error(`${manifestFile} declares no ${BIN_NAME} bin`);
    return path.resolve(path.dirname(manifestFile), bin);
  }
  throw new MissingPackageError(GATEWAY_PACKAGE, 'hud gateway', { cause: lastError });
}

/** The flags of `hud gateway` as commander parses them (strings: the gateway checks them itself). */
export interface GatewayFlags {
  host: string;
  port: string;
  dataDir?: string;
  databaseUrl?: string;
  registry?: string;
  publicUrl?: string;
  logLevel?: string;
}

/** The bin's arguments for `flags` (`--data-dir` defaults to `~/.hud/gateway`). */
export function gatewayArgs(flags: GatewayFlags, home: string = os.homedir()): string[] {
  const args = ['--host', flags.host, '--port', flags.port];
  args.push('--data-dir', path.resolve(flags.dataDir ?? path.join(home, '.hud', 'gateway')));
  if (flags.databaseUrl) args.push('--database-url', flags.databaseUrl);
  if (flags.registry) args.push('--registry', flags.registry);
  if (flags.publicUrl) args.push('--public-url', flags.publicUrl);
  if (flags.logLevel) args.push('--log-level', flags.logLevel);
  return args;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `node <bin> <args>` as a child with this process's stdio and environment, forwarding SIGINT,
 * SIGTERM and SIGHUP to it (for platforms without `process.execve`).
 * @returns the child's exit code; 128 + the signal number when a signal ended it.
 */
export async function spawnGateway(bin: string, args: readonly string[]): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const handlers = FORWARDED.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)),
      );
    });
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/**
 * The action of `hud gateway`: replaces this process with the gateway (`process.execve`: same pid, so a
 * signal sent to `hud` reaches the gateway and its exit code is `hud`'s), or runs it as a forwarded child
 * where `execve` is missing.
 * @throws MissingPackageError when `@hud/gateway` is not installed.
 */
export async function gatewayAction(flags: GatewayFlags): Promise<void> {
  const bin = resolveGatewayBin();
  const args = gatewayArgs(flags);
  if (typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, bin, ...args], process.env);
  }
  process.exitCode = await spawnGateway(bin, args);
}
