import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GraderError } from './errors.js';
import { importPeer } from './optional-peer.js';

/** A package name no registry has, so the real `import()` fails the way a missing `openai` does. */
const MISSING = '@hud/no-such-judge-sdk';

describe('importPeer (optional peer dependencies of graders)', () => {
  it('turns a package that is not installed into the npm install line', async () => {
    const failure = await importPeer(MISSING, 'LLMJudgeGrader', () => import(MISSING)).catch(
      (error: unknown) => error,
    );
    expect(GraderError.isInstance(failure)).toBe(true);
    expect((failure as GraderError).code).toBe('not_available');
    expect((failure as GraderError).message).toBe(
      `LLMJudgeGrader needs ${MISSING}, which is not installed: npm install ${MISSING}`,
    );
    expect(((failure as GraderError).cause as { code?: string }).code).toBe('ERR_MODULE_NOT_FOUND');
  });

  it('passes on a failure that an install of the package would not fix', async () => {
    // The package loads, but one of its own imports is missing (a broken install): no hint to install the
    // package itself.
    const dir = await mkdtemp(path.join(tmpdir(), 'hud-peer-'));
    try {
      const file = path.join(dir, 'broken-sdk.mjs');
      await writeFile(file, "export * from '@hud/no-such-dependency-of-the-sdk';\n");
      const failure = await importPeer(
        MISSING,
        'LLMJudgeGrader',
        () => import(pathToFileURL(file).href),
      ).catch((error: unknown) => error);
      expect(GraderError.isInstance(failure)).toBe(false);
      expect((failure as Error).message).toContain('@hud/no-such-dependency-of-the-sdk');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns the module when it is installed', async () => {
    const zod = await importPeer('zod', 'a test', () => import('zod'));
    expect(typeof zod.z.object).toBe('function');
  });
});
