import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../errors.js';
import { anthropicSdk } from './claude/claude-adapter.js';
import { claudeSpec } from './claude/claude-spec.js';
import { isMissingPackage, missingPackageMessage, OptionalPeer } from './lazy.js';

/** A package name no registry has: the real `import()` fails the way a missing provider SDK does. */
const MISSING = '@hud/no-such-provider-sdk';

describe('OptionalPeer (provider SDKs as optional peer dependencies)', () => {
  it('turns a package that is not installed into the npm install line', async () => {
    const peer = new OptionalPeer<unknown>(MISSING, () => import(MISSING));
    const failure = await peer.load('the claude agent').catch((error: unknown) => error);
    expect(AgentError.isInstance(failure)).toBe(true);
    expect((failure as AgentError).code).toBe('not_available');
    expect((failure as AgentError).message).toBe(
      `the claude agent needs ${MISSING}, which is not installed: npm install ${MISSING}`,
    );
    expect(((failure as AgentError).cause as { code?: string }).code).toBe('ERR_MODULE_NOT_FOUND');
    expect(peer.loaded()).toBeUndefined();
  });

  it('words the hint as the CLI does for runtime packages', () => {
    expect(missingPackageMessage('the claude agent', '@anthropic-ai/sdk')).toBe(
      'the claude agent needs @anthropic-ai/sdk, which is not installed: npm install @anthropic-ai/sdk',
    );
  });

  it('passes on a failure that an install of the package would not fix', async () => {
    // The package loads, but one of its own imports is missing (a broken install).
    const dir = await mkdtemp(path.join(tmpdir(), 'hud-peer-'));
    try {
      const file = path.join(dir, 'broken-sdk.mjs');
      await writeFile(file, "export * from '@hud/no-such-dependency-of-the-sdk';\n");
      const peer = new OptionalPeer<unknown>(MISSING, () => import(pathToFileURL(file).href));
      const failure = await peer.load('the claude agent').catch((error: unknown) => error);
      expect(AgentError.isInstance(failure)).toBe(false);
      expect(isMissingPackage(failure, '@hud/no-such-dependency-of-the-sdk')).toBe(true);
      expect(isMissingPackage(failure, MISSING)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('imports once and keeps the module; a failed import is tried again', async () => {
    let calls = 0;
    const peer = new OptionalPeer('zod', async () => {
      calls += 1;
      if (calls === 1) return import(MISSING);
      return import('zod');
    });
    await expect(peer.load('a test')).rejects.toThrowError(MISSING);
    const zod = await peer.load('a test');
    expect(await peer.load('a test')).toBe(zod);
    expect(peer.loaded()).toBe(zod);
    expect(calls).toBe(2);
  });

  it("loads the claude harness's SDK with the harness, so a missing SDK fails before any run", async () => {
    const harness = await claudeSpec.load();
    expect(harness.name).toBe('claude');
    expect(anthropicSdk.loaded()).toBeDefined();
  });
});
