import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from './child-ipc.ts';

/** A bench server running in its own process (so it never shares an event loop with the client). */
export interface ServerChild {
  readonly pid: number;
  /** The ports the server announced (e.g. `control`, `sink`, `echo`). */
  readonly ports: Record<string, number>;
  /** CPU time and memory of the server process; `gc` forces a full collection first (needs `exposeGc`). */
  stats(options?: { gc?: boolean }): Promise<ServerStats>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const SERVERS = new URL('../servers/', import.meta.url);
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Forks `bench/servers/<script>` with an IPC channel and waits for it to announce its ports.
 * `options.checkout` runs that checkout's copy of the script (and so its packages) instead;
 * `options.execArgv` adds Node flags (e.g. `--cpu-prof`).
 * @throws Error when the child exits or stays silent for 20 s.
 */
export async function startServer(
  script: string,
  args: readonly string[] = [],
  options: { exposeGc?: boolean; checkout?: string; execArgv?: readonly string[] } = {},
): Promise<ServerChild> {
  const file = options.checkout
    ? path.join(options.checkout, 'bench', 'servers', script)
    : fileURLToPath(new URL(script, SERVERS));
  const child: ChildProcess = fork(file, [...args], {
    execArgv: [...(options.exposeGc ? ['--expose-gc'] : []), ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (stats: ServerStats) => void>();
  let seq = 0;
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 20 s`)), 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${signal ?? code}) before announcing its ports`));
    });
    child.on('message', (message: { type: string; ports?: Record<string, number> }) => {
      if (message.type === 'ready' && message.ports) {
        clearTimeout(timer);
        resolve(message.ports);
      }
    });
  });
  child.on('message', (message: { type: string; seq?: number; stats?: ServerStats }) => {
    if (message.type !== 'stats' || message.seq === undefined || !message.stats) return;
    pending.get(message.seq)?.(message.stats);
    pending.delete(message.seq);
  });
  return {
    pid: child.pid as number,
    ports,
    stats(statsOptions = {}) {
      const request = ++seq;
      return new Promise<ServerStats>((resolve) => {
        pending.set(request, resolve);
        child.send({ type: 'stats', seq: request, gc: statsOptions.gc === true });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * CPU time of process `pid` and its descendants (a launcher may re-exec itself), µs: the sum over their
 * threads of `/proc/<pid>/task/<tid>/schedstat`'s run time (ns; the same total `process.cpuUsage()`
 * reports from inside). Linux only.
 */
export function processCpuUs(pid: number): number {
  let ns = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0; // gone
  }
  for (const tid of tids) {
    try {
      const task = `/proc/${pid}/task/${tid}`;
      ns += Number(readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]);
      for (const child of readFileSync(`${task}/children`, 'utf8').split(' ')) {
        if (child.trim()) ns += processCpuUs(Number(child)) * 1000;
      }
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1000;
}

/**
 * `hud serve <envFile> --port 0` through the CLI's installed entry (`packages/cli/bin/hud.js`, which loads
 * `dist/bin.js`) of this checkout or `options.checkout`, as a user runs it; waits for its `HUD_SERVE_PORT=` line. It has no IPC channel, so
 * `stats()` reads its CPU time from /proc ({@link processCpuUs}); memory figures are 0.
 * @throws Error when the CLI exits or stays silent for 30 s.
 */
export async function startCliServer(
  envFile: string,
  options: { checkout?: string; execArgv?: readonly string[] } = {},
): Promise<ServerChild> {
  const checkout = options.checkout ?? CHECKOUT;
  const bin = path.join(checkout, 'packages', 'cli', 'bin', 'hud.js');
  const child = spawn(
    process.execPath,
    [...(options.execArgv ?? []), bin, 'serve', envFile, '--port', '0'],
    { cwd: checkout, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hud serve ${envFile} did not start in 30 s`)),
      30_000,
    );
    let output = '';
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`hud serve ${envFile} exited (${signal ?? code}) before announcing its port`),
      );
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /^HUD_SERVE_PORT=(\d+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  const pid = child.pid as number;
  return {
    pid,
    ports: { control: port },
    async stats() {
      return { cpuUs: processCpuUs(pid), rss: 0, heapUsed: 0, collected: false, extra: {} };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
