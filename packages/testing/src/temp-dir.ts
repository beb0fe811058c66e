import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** The directory of {@link tempDirEachTest}: `path` is the current test's. */
export interface TempDir {
  /** Absolute path of this test's directory; throws outside a test. */
  readonly path: string;
}

/**
 * A fresh directory under the OS temp dir for every test of the calling file or `describe` (call it there):
 * made in `beforeEach` (`<tmpdir>/<prefix>XXXXXX`), removed with its contents in `afterEach`.
 */
export function tempDirEachTest(prefix: string): TempDir {
  let current: string | undefined;
  beforeEach(async () => {
    current = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (current) await rm(current, { recursive: true, force: true });
    current = undefined;
  });
  return {
    get path() {
      if (!current) throw new Error(`no ${prefix} directory: it exists only while a test runs`);
      return current;
    },
  };
}
