import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HudClient } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingLogger } from './__fixtures__/providers.js';
import { row } from './__fixtures__/rows.js';
import type { LocalRuntimeError } from './errors.js';
import { type LocalProvider, LocalRuntime, type LocalRuntimeOptions } from './local-runtime.js';

// The env files live in temporary directories, which cannot resolve @hud/environment: lend it, as the CLI does.
const fallbacks = {
  '@hud/environment': createRequire(import.meta.url).resolve('@hud/environment'),
};

const ENV = `import { Environment } from '@hud/environment';
import { word } from './helper.ts';
export const env = new Environment({ name: 'probe' });
env.template({ id: 'probe' }, async function* () {
  // What the child loaded: undici comes with an ES import of node:http (its namespace's lazy getters).
  const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
  // After hello: node:crypto (~10–15 ms of CPU) is not needed for a session id.
  const crypto = loaded.includes('NativeModule crypto');
  yield JSON.stringify({ word, undici: loaded.some((name) => name.includes('undici')), crypto, url: import.meta.url });
  yield 1;
});
`;

const providers: LocalProvider[] = [];
const scratch: string[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-local-bundle-'));
  scratch.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { dir, env: path.join(dir, 'env.ts'), cache: path.join(dir, 'cache') };
}

function provider(file: string, cacheDir: string, options: LocalRuntimeOptions = {}) {
  const logger = recordingLogger();
  const created = LocalRuntime(file, { cacheDir, fallbacks, logger, ...options });
  providers.push(created);
  return { provider: created, logger };
}

/** One rollout: the probe's prompt, parsed, and the child's command line. */
async function probe(local: LocalProvider) {
  await using lease = await local(row('probe', 'probe'));
  const argv = readFileSync(`/proc/${lease.pid}/cmdline`, 'utf8').split('\0');
  await using client = await HudClient.connect(lease);
  const { prompt } = await client.startTask('probe');
  expect((await client.grade({ answer: '' })).score).toBe(1);
  return {
    argv,
    seen: JSON.parse(String(prompt)) as {
      word: string;
      undici: boolean;
      crypto: boolean;
      url: string;
    },
  };
}

const bundleArg = (argv: string[]) => argv[argv.indexOf('--bundle') + 1];

describe('LocalRuntime with bundled environments', () => {
  it('builds one bundle in cacheDir and serves every child from it, without loading undici or node:crypto', async () => {
    const { env, cache } = project({ 'env.ts': ENV, 'helper.ts': "export const word = 'one';" });
    const { provider: local, logger } = provider(env, cache);
    // A cold cache: the bundle is built in the background, the first child loads the file meanwhile.
    const cold = await probe(local);
    expect(cold.argv).not.toContain('--bundle');
    expect(cold.seen.word).toBe('one');
    await local.warm('probe');
    const first = await probe(local);
    const second = await probe(local);
    expect(first.seen).toEqual({
      word: 'one',
      undici: false,
      crypto: false,
      url: pathToFileURL(env).href,
    });
    expect(first.argv).toContain('--bundle');
    expect(bundleArg(first.argv)?.startsWith(path.join(cache, 'local-runtime') + path.sep)).toBe(
      true,
    );
    expect(bundleArg(second.argv)).toBe(bundleArg(first.argv));
    expect(logger.lines.filter((line) => line.includes(`serving ${env} from`))).toHaveLength(1);
    // A second job finds the bundle in the cache before its first spawn.
    const { provider: again, logger: againLogger } = provider(env, cache);
    expect(bundleArg((await probe(again)).argv)).toBe(bundleArg(first.argv));
    expect(againLogger.lines).toContain(
      `LocalRuntime: serving ${env} from ${bundleArg(first.argv)} (cached)`,
    );
  });

  it('leaves a V8 code cache beside the bundle when the first child exits, which the next children accept', async () => {
    const { env, cache } = project({ 'env.ts': ENV, 'helper.ts': "export const word = 'one';" });
    const { provider: local } = provider(env, cache);
    await local.warm('probe'); // builds the bundle
    const codeCaches = (entry: string) =>
      readdirSync(path.dirname(entry))
        .filter((name) => name.endsWith('.v8cache'))
        .map((name) => path.join(path.dirname(entry), name));
    const first = await probe(local);
    const entry = bundleArg(first.argv) ?? '';
    let caches = codeCaches(entry);
    for (let tries = 0; caches.length === 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the child writes it as it exits
      caches = codeCaches(entry);
    }
    expect(caches).toHaveLength(1);
    const written = statSync(caches[0] ?? '');
    expect(written.size).toBeGreaterThan(0);
    // A child that finds the cache and has it accepted by V8 leaves it alone (a rejected one is replaced).
    expect((await probe(local)).seen.word).toBe('one');
    expect((await probe(local)).seen.word).toBe('one');
    expect(codeCaches(entry)).toEqual(caches);
    expect(statSync(caches[0] ?? '')).toMatchObject({ ino: written.ino, mtimeMs: written.mtimeMs });
  });

  it('notices an edit to a file the env imports before the next spawn, replacing prewarmed children', async () => {
    const { dir, env, cache } = project({
      'env.ts': ENV,
      'helper.ts': "export const word = 'one';",
    });
    const { provider: local } = provider(env, cache, { prewarm: 1 });
    await local.warm('probe');
    const before = await probe(local);
    expect(before.seen.word).toBe('one');
    expect(before.argv).toContain('--bundle');
    await local.warm('probe'); // a prewarmed child of the old bundle waits in the pool
    writeFileSync(path.join(dir, 'helper.ts'), "export const word = 'two';");
    // Served unbundled while the new bundle builds, or from it: the edit shows either way.
    expect((await probe(local)).seen.word).toBe('two');
    await local.warm('probe');
    expect((await probe(local)).seen.word).toBe('two'); // the child pooled while it was building
    const after = await probe(local);
    expect(after.seen.word).toBe('two');
    expect(after.argv).toContain('--bundle');
    expect(bundleArg(after.argv)).not.toBe(bundleArg(before.argv));
  });

  it('serves an env it must not bundle through the loader, saying why once', async () => {
    const { env, cache } = project({
      'env.ts': `${ENV}export const load = (name: string) => require(name);\n`,
      'helper.ts': "export const word = 'one';",
    });
    const { provider: local, logger } = provider(env, cache);
    const first = await probe(local);
    const second = await probe(local);
    expect(first.seen.word).toBe('one');
    expect(first.argv).not.toContain('--bundle');
    expect(second.argv).not.toContain('--bundle');
    // The refused build ends in the background (both probes may finish first on a loaded machine): warm()
    // waits for it, so the reason has been logged by now, and still only once.
    await local.warm('probe');
    const notes = logger.lines.filter(
      (line) => line.includes('serving') && line.includes('unbundled'),
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`serving ${env} unbundled`);
    expect(notes[0]).toContain('require(<computed>)');
  });

  it("reports an env that throws while loading with the loader's message, bundled or not", async () => {
    const { env, cache } = project({
      'env.ts': `${ENV}if (word === 'one') throw new Error('boom at load');\n`,
      'helper.ts': "export const word = 'one';",
    });
    const outputs: string[] = [];
    for (const bundle of [false, true]) {
      const { provider: local, logger } = provider(env, cache, { bundle });
      await local.warm('probe');
      expect(logger.lines.some((line) => line.includes(`serving ${env} from`))).toBe(bundle);
      const error = await local(row('probe', 'probe')).then(
        () => undefined,
        (caught: unknown) => caught as LocalRuntimeError,
      );
      expect(error?.code).toBe('exited_early');
      outputs.push(error?.output ?? '');
    }
    expect(outputs[1]).toContain(`failed to load ${env}: boom at load`);
    // The same line either way: no stack, no bundle path.
    expect(outputs[1]).toBe(outputs[0]);
  });

  it('with bundle: false, never bundles', async () => {
    const { env, cache } = project({ 'env.ts': ENV, 'helper.ts': "export const word = 'one';" });
    const { provider: local, logger } = provider(env, cache, { bundle: false });
    const { argv, seen } = await probe(local);
    expect(argv).not.toContain('--bundle');
    expect(seen.word).toBe('one');
    expect(logger.lines.some((line) => line.includes('bundle'))).toBe(false);
  });
});
