import { constants } from 'node:os';

// setTimeout fires at once for delays above 2^31 - 1 ms (~24.8 days); longer means "no timeout".
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What {@link watchCommand} returns. */
export interface CommandWatch {
  /** Whether the deadline passed (and `kill` was called for it). */
  readonly timedOut: boolean;
  /** Stops watching: clears the deadline and the abort listener. Call once the command has ended. */
  done(): void;
}

/**
 * Watches a running command for its deadline and its caller: calls `kill` once `timeoutMs` (ms) has passed
 * — never when it is undefined or longer than setTimeout can wait (2^31 - 1 ms) — and when `signal` aborts
 * (at once when it already has). Shared by `SshClient.exec`, the workspace executor of `@hud/environment`
 * and the `LocalCommandExecutor` of `@hud/graders`.
 */
export function watchCommand(
  kill: () => void,
  options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined },
): CommandWatch {
  const { timeoutMs, signal } = options;
  let timedOut = false;
  const timer =
    timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, timeoutMs)
      : undefined;
  const onAbort = () => kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return {
    get timedOut() {
      return timedOut;
    },
    done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * A command's exit status as Python's `returncode` gives it: the exit code; `-N` when signal N ended it
 * (`SIGKILL` or SSH's `KILL` → -9; an unknown signal → 0); `null` when neither is known.
 */
export function exitStatus(
  code: number | null | undefined,
  signal: string | null | undefined,
): number | null {
  if (typeof code === 'number') return code;
  if (!signal) return null;
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as NodeJS.Signals;
  return -(constants.signals[name] ?? 0);
}
