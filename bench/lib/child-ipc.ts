/**
 * The child side of a bench server: announces its ports to the parent over the IPC channel and answers
 * `stats` requests with its own CPU time and memory (after a forced GC when asked and `--expose-gc` is on).
 * See server-child.ts for the parent side.
 */

/** A stats request from the parent. */
export interface StatsRequest {
  type: 'stats';
  seq: number;
  gc?: boolean;
}

/** What a bench server reports about itself. */
export interface ServerStats {
  /** process.cpuUsage() user + system, µs since the process started. */
  cpuUs: number;
  /** Resident set size, bytes. */
  rss: number;
  /** V8 heap in use, bytes. */
  heapUsed: number;
  /** Whether the figures were taken after a forced GC. */
  collected: boolean;
  /** Server-specific counters (e.g. parked sessions). */
  extra: Record<string, number>;
}

type GcOptions = { type: 'major'; execution: 'sync'; flavor: 'last-resort' };

async function collectGarbage(): Promise<boolean> {
  const gc = (globalThis as { gc?: (options?: GcOptions) => void }).gc;
  if (!gc) return false;
  // Memory-reducing full collections ('last-resort': V8 also shrinks the young generation, which it
  // grows while objects survive — several MB of RSS that would otherwise show up as a per-session
  // cost), with a turn of the event loop between them so finalizers of closed sockets run too.
  const options: GcOptions = { type: 'major', execution: 'sync', flavor: 'last-resort' };
  gc(options);
  await new Promise((resolve) => setImmediate(resolve));
  gc(options);
  return true;
}

/** Announces `ports` to the parent and serves stats requests until the parent goes away. */
export function serveStats(
  ports: Record<string, number>,
  extra: () => Record<string, number> = () => ({}),
): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('start bench servers through bench/lib/server-child.ts (needs IPC)');
  process.on('message', async (message: StatsRequest) => {
    if (message?.type !== 'stats') return;
    const collected = message.gc ? await collectGarbage() : false;
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const stats: ServerStats = {
      cpuUs: cpu.user + cpu.system,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      collected,
      extra: extra(),
    };
    send({ type: 'stats', seq: message.seq, stats });
  });
  // Exit at once: a bench server holds nothing worth shutting down gracefully.
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', ports });
}
