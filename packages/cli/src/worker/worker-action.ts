/**
 * `hud worker`: runs rollouts a gateway queued (`hud eval … --remote`, hud-python's `HostedRuntime`) and
 * serves its runtime sessions (`--runtime hud`, hud-python's `HUDRuntime`) on this machine until
 * SIGINT/SIGTERM, then gives its running leases back and removes its containers.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { integer, seconds } from '../eval/flag-values.js';
import { stderrLogger } from '../logger.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { platformUrls } from '../platform/urls.js';
import { loadSettings } from '../settings.js';
import type { WorkerRuntime } from './lease.js';
import { runLease } from './run-lease.js';
import { serveSessions } from './sessions.js';
import { createSubstrate } from './substrate.js';
import { WorkerClient } from './worker-client.js';
import { Worker } from './worker-loop.js';

/** The flags of `hud worker` as commander parses them. */
export interface WorkerFlags {
  /** The gateway's base URL (default `HUD_API_URL`). */
  gateway?: string;
  /** `docker` (default) or `local`. */
  runtime?: string;
  /** Rollouts at once (default 4). */
  concurrency?: string;
  /** The worker's name (default `<host>-<pid>`). */
  name?: string;
  /** `--ready-timeout` seconds. */
  readyTimeout?: string;
  verbose?: number;
}

/** How often a worker removes the containers of killed workers, ms. */
const REAP_INTERVAL_MS = 60_000;

/** `--concurrency` when not given. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * The runtime of `--runtime`.
 * @throws Error naming the flag for anything but `docker` or `local`.
 */
export function workerRuntime(value: string | undefined): WorkerRuntime {
  const runtime = value ?? 'docker';
  if (runtime !== 'docker' && runtime !== 'local')
    throw new Error(`--runtime must be docker or local, got '${runtime}'`);
  return runtime;
}

/** One log line on stderr: `<ISO time> hud worker: <line>`. */
const logLine = (line: string) =>
  process.stderr.write(`${new Date().toISOString()} hud worker: ${line}\n`);

/**
 * The action of `hud worker`: reads `HUD_API_KEY` (the worker's key) and the gateway (`--gateway`, else
 * `HUD_API_URL`, else the hosted platform), reaps containers of killed workers (Docker; at start, every
 * minute and at the end), then
 * claims and runs leases ({@link Worker}) and serves runtime sessions ({@link serveSessions}, up to
 * `--concurrency` of each) until the first SIGINT/SIGTERM, which stops claiming, aborts the running
 * rollouts, gives their leases back, tears the sessions' substrates down, removes containers and exits 0; a second signal quits
 * at once (exit 130; the gateway re-queues the leases when they expire).
 * @throws Error for a bad flag or a missing key; PlatformError when the gateway refuses the key;
 *   MissingPackageError when `--runtime docker` needs `@hud/runtimes-docker`.
 */
export async function workerAction(flags: WorkerFlags): Promise<void> {
  const settings = loadSettings();
  const runtime = workerRuntime(flags.runtime);
  const concurrency = integer(flags.concurrency, '--concurrency') ?? DEFAULT_CONCURRENCY;
  const readyTimeoutMs = seconds(flags.readyTimeout, '--ready-timeout');
  const apiKey = settings.HUD_API_KEY?.trim();
  if (!apiKey) {
    throw new Error(
      "hud worker needs HUD_API_KEY, a key of the gateway: a key of the team whose rollouts it runs, or an admin key of the gateway's first team to serve every team (create one with hud keys create <name>, then hud set HUD_API_KEY=<key> or export it)",
    );
  }
  const urls = platformUrls({
    HUD_API_URL: flags.gateway?.trim() || settings.HUD_API_URL,
  });
  const name = flags.name?.trim() || `${os.hostname()}-${process.pid}`;
  const logger = stderrLogger({ verbose: (flags.verbose ?? 0) > 0 });
  const substrate = await createSubstrate({
    runtime,
    cwd: process.cwd(),
    fallbacks: hudModuleFallbacks(),
    concurrency,
    ...(readyTimeoutMs ? { readyTimeoutMs } : {}),
    logger,
  });
  // Containers of workers killed before their teardown (SIGKILL, a crash): at start, every
  // REAP_INTERVAL_MS, and at the end (only those whose hud process is gone; others' are left alone).
  const reap = async () => {
    const reaped = await substrate.reapOrphans().catch(() => ({ removed: [] }));
    if (reaped.removed.length > 0)
      logLine(`removed ${reaped.removed.length} container(s) of workers that were killed`);
  };
  await reap();
  const reaper = setInterval(() => void reap(), REAP_INTERVAL_MS);
  reaper.unref();
  const workerId = randomUUID().replaceAll('-', '');
  const client = new WorkerClient(urls.api, apiKey, {
    workerId,
    name,
    runtimes: [runtime],
  });
  const worker = new Worker({
    calls: client,
    concurrency,
    log: logLine,
    run: (lease, signal) =>
      runLease({
        lease,
        substrate,
        urls,
        signal,
        ...(readyTimeoutMs ? { readyTimeoutMs } : {}),
        logger,
      }),
  });
  // Runtime sessions (`hud eval … --runtime hud`) are served beside the rollouts, with as many at once.
  const sessionsStop = new AbortController();
  const sessions = serveSessions({
    gatewayUrl: urls.api,
    apiKey,
    workerId,
    capacity: concurrency,
    runtime,
    cwd: process.cwd(),
    signal: sessionsStop.signal,
    log: logLine,
    ...(readyTimeoutMs ? { readyTimeoutMs } : {}),
    logger,
  }).catch((error: unknown) => {
    // Sessions cannot be served (e.g. no Docker runtime): the rollouts stop too, and the action fails.
    void worker.stop();
    throw error;
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logLine(`${signal} again: quitting now (running leases expire and are re-queued)`);
      process.exit(130);
    }
    const held = worker.running.length;
    logLine(
      `${signal}: stopping (no new claims; giving ${held} running lease${held === 1 ? '' : 's'} back)`,
    );
    sessionsStop.abort();
    void worker.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  logLine(`${name} serving ${urls.api} (runtime ${runtime}, concurrency ${concurrency})`);
  try {
    await Promise.all([worker.run(), sessions]);
  } finally {
    sessionsStop.abort();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    clearInterval(reaper);
    await substrate.close();
    await reap();
  }
  logLine('stopped');
}
