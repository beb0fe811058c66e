import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
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

/**
 * Forks `bench/servers/<script>` with an IPC channel and waits for it to announce its ports.
 * @throws Error when the child exits or stays silent for 20 s.
 */
export async function startServer(
  script: string,
  args: readonly string[] = [],
  options: { exposeGc?: boolean } = {},
): Promise<ServerChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL(script, SERVERS)), [...args], {
    execArgv: options.exposeGc ? ['--expose-gc'] : [],
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
