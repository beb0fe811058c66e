/**
 * `promise`, or a rejection with `timedOut()` once `ms` milliseconds pass first; the timer is cleared when
 * `promise` settles. The work behind `promise` is not stopped: the caller cancels it if it must.
 * @throws the promise's rejection, or the error `timedOut` returns.
 * @example
 * await withTimeLimit(env.start(), 10_000, () => new HudError('timeout', 'env did not start within 10 s'));
 */
export function withTimeLimit<T>(
  promise: Promise<T>,
  ms: number,
  timedOut: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * Resolves `'done'` when `promise` settles (either way) or `'timeout'` after `ms`, whichever comes first; the
 * timer is cleared. Never rejects.
 * @example
 * if ((await settleWithin(child.exited, 3_000)) === 'timeout') process.kill(-child.pid, 'SIGKILL');
 */
export async function settleWithin(
  promise: Promise<unknown>,
  ms: number,
): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => 'done' as const,
        () => 'done' as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
