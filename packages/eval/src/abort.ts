/** Why a rollout was stopped from outside: the job was cancelled, or its rollout time limit passed. */
export class RolloutStop extends Error {
  readonly kind: 'cancelled' | 'timeout';
  constructor(kind: 'cancelled' | 'timeout', message: string) {
    super(message);
    this.name = 'RolloutStop';
    this.kind = kind;
  }
}

const ignore = () => {};

/**
 * `promise`, rejected with `signal.reason` as soon as `signal` aborts (the work itself may keep running:
 * a provider or agent that ignores its signal must not hold the rollout). A value that arrives after the
 * abort goes to `onLate` (e.g. dispose a lease nobody will use).
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  onLate: (value: T) => void = ignore,
): Promise<T> {
  if (signal.aborted) {
    promise.then(onLate, ignore);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      promise.then(onLate, ignore);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
