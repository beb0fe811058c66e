import { HudError } from '../errors.js';

/** The HudError `run` throws; anything else it throws is rethrown. @throws Error when `run` returns. */
export function thrownHudError(run: () => unknown): HudError {
  try {
    run();
  } catch (error) {
    if (HudError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a HudError');
}

/** What `promise` rejects with. @throws Error when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** The HudError `promise` rejects with; another rejection is rethrown. @throws Error when it resolves. */
export async function hudRejection(promise: Promise<unknown>): Promise<HudError> {
  const error = await rejection(promise);
  if (HudError.isInstance(error)) return error;
  throw error;
}
