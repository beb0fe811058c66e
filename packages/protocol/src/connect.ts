import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlEndpoint, HudLogger } from './client-options.js';
import { connectSocket } from './connect-socket.js';
import { HudError } from './errors.js';

/** Options of {@link connectWhenReady}. */
export interface ReadinessOptions {
  endpoint: ControlEndpoint;
  /** The URL as the caller gave it, for messages. */
  url: string;
  /** Give up after this many ms. */
  timeoutMs: number;
  /** Pause between attempts, in ms. */
  retryIntervalMs: number;
  signal?: AbortSignal;
  logger?: HudLogger;
}

/**
 * The readiness loop of hud-python `connect` (spec §2.8): until the deadline, open a TCP connection
 * (a refusal means "not up yet": wait and retry) and run `handshake` on it. A handshake failing with HudError
 * `connection_closed` (EOF or a reset: a proxied port accepting before the env serves) also means
 * "not ready"; any other error (an error frame, a malformed reply) is fatal and rethrown as is.
 * `handshake` gets the ms left before the deadline and must close the socket when it fails.
 * @throws HudError `not_ready` naming the URL and the last error when the deadline passes;
 *   `signal.reason` when aborted.
 */
export async function connectWhenReady<Result>(
  options: ReadinessOptions,
  handshake: (socket: Socket, remainingMs: number) => Promise<Result>,
): Promise<Result> {
  const { endpoint, signal, logger } = options;
  const deadline = performance.now() + options.timeoutMs;
  let attempts = 0;
  for (;;) {
    signal?.throwIfAborted();
    attempts++;
    let lastError: unknown;
    try {
      const socket = await connectSocket(endpoint, {
        signal,
        timeoutMs: Math.max(1, deadline - performance.now()),
      });
      return await handshake(socket, Math.max(1, deadline - performance.now()));
    } catch (error) {
      signal?.throwIfAborted();
      if (!isNotReady(error)) throw error;
      lastError = error;
    }
    const remaining = deadline - performance.now();
    const reason = (lastError as Error).message;
    if (remaining <= 0) {
      throw new HudError(
        'not_ready',
        `environment at ${options.url} not ready after ${options.timeoutMs / 1000} s (${attempts} attempts); last error: ${reason}`,
        { cause: lastError },
      );
    }
    logger?.debug(`environment at ${options.url} not ready yet (${reason}); retrying`);
    try {
      await sleep(Math.min(options.retryIntervalMs, remaining), undefined, { signal });
    } catch (error) {
      signal?.throwIfAborted();
      throw error;
    }
  }
}

function isNotReady(error: unknown): boolean {
  if (HudError.isInstance(error)) {
    return error.code === 'connection_closed' || error.code === 'timeout';
  }
  // Any OS-level failure of the connect itself (refused, unreachable, reset): an errno code.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
