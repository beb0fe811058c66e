/** The reason the job's signal aborts with on the first Ctrl-C (or SIGTERM). */
export const INTERRUPTED = 'interrupted (SIGINT)';

/** Where {@link runInterruptible} listens and writes; the process's own by default. */
export interface InterruptOptions {
  /** Emits `SIGINT` and `SIGTERM` (default `process`). */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Writes to the user (default stderr). */
  write?: (text: string) => void;
  /** Quits at once (default `process.exit`). */
  exit?: (code: number) => void;
  /**
   * The `resume with: …` line (newline-terminated) to print when quitting at once, or undefined while the
   * job has no id yet.
   */
  resumeLine: () => string | undefined;
}

/**
 * Runs `work` with a signal that the first SIGINT or SIGTERM aborts (reason: Error `interrupted (SIGINT)`):
 * no new rollouts start, running ones are torn down, and `work` ends with what was recorded. A second one
 * quits at once with exit code 130, printing the resume line first (the runs recorded so far stay, and
 * `hud jobs` shows the job as interrupted). The listeners are removed when `work` settles.
 * @returns what `work` returns; @throws what it throws.
 */
export async function runInterruptible<T>(
  options: InterruptOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const signals = options.signals ?? process;
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted > 1) {
      const line = options.resumeLine();
      if (line) write(`\n${line}`);
      exit(130);
      return;
    }
    write(
      '\nstopping: no new rollouts; tearing down running ones (Ctrl-C again to quit at once)\n',
    );
    controller.abort(new Error(INTERRUPTED));
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
  }
}
