/**
 * `promise`, or a rejection with `signal`'s reason as soon as it aborts (`promise` keeps running: the caller
 * cleans up what it yields late). `promise` itself when there is no signal.
 * @throws `signal.reason` at once when `signal` is already aborted.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
