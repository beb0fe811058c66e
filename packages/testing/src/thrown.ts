import type { ClassOf } from '@hud/protocol';

/**
 * An error class of hud-ts (`brandedError`/`codedError` of @hud/protocol, or any class with a static
 * `isInstance`): `isInstance` recognises its instances, also those made by another install of its package.
 */
export type RecognisedError<T> = ClassOf<T> & { isInstance(value: unknown): boolean };

/** What `action` throws. @throws Error when it returns instead. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** What `promise` rejects with. @throws Error (naming the value) when it fulfils instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value) => ({ fulfilled: true as const, value }),
    (reason: unknown) => ({ fulfilled: false as const, value: reason }),
  );
  if (outcome.fulfilled) throw new Error(`expected a rejection, got ${String(outcome.value)}`);
  return outcome.value;
}

/** `error` as an instance of `errorClass`; anything else is rethrown, so the test shows it. */
function instanceOf<T>(errorClass: RecognisedError<T>, error: unknown): T {
  if (errorClass.isInstance(error)) return error as T;
  throw error;
}

/**
 * The `errorClass` error `action` throws.
 * @throws Error when it returns; rethrows an error of another class.
 * @example
 * expect(thrownError(HarborLoadError, () => parseTaskToml('[task', file)).code).toBe('harbor.invalid.toml');
 */
export function thrownError<T>(errorClass: RecognisedError<T>, action: () => unknown): T {
  return instanceOf(errorClass, thrownBy(action));
}

/**
 * The `errorClass` error `promise` rejects with.
 * @throws Error when it fulfils; rethrows a rejection of another class.
 */
export async function rejectedError<T>(
  errorClass: RecognisedError<T>,
  promise: Promise<unknown>,
): Promise<T> {
  return instanceOf(errorClass, await rejectionOf(promise));
}
