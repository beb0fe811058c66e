import { DockerRuntimeError } from '../errors.js';

/** The DockerRuntimeError `promise` rejects with; another rejection is rethrown. @throws Error when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<DockerRuntimeError> {
  try {
    await promise;
  } catch (error) {
    if (DockerRuntimeError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a DockerRuntimeError');
}
