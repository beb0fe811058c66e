import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ownSourcesChanged, prepareEntry } from './bundle-cache.js';

const ENVIRONMENT_MODULE = createRequire(import.meta.url).resolve('@hud/environment');
/** The env files here cannot resolve `@hud/environment` from a temporary directory: lend it, as the CLI does. */
const fallbacks = { '@hud/environment': ENVIRONMENT_MODULE };

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project directory with the given files and a separate cache directory. */
function project(files: Record<string, string>): { dir: string; cache: string; env: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-bundle-'));
  scratch.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return { dir, cache: path.join(dir, 'cache'), env: path.join(dir, 'env.ts') };
}

const ENV = (extra = '') =>
  `import { Environment } from '@hud/environment';\nimport { word } from './helper.ts';\nexport const env = new Environment({ name: 'b' });\nexport const value = word;\n${extra}`;

/** The bundle's `envModule` exports, imported in a fresh process (a cached module would hide changes). */
async function bundledExports(entry: string, names: string[]): Promise<Record<string, unknown>> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(entry).href)}); console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, m.envModule[n]]))));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    {
      cwd: tmpdir(),
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('prepareEntry', () => {
  it('builds once, then reuses the bundle while no input changed (a touch included)', async () => {
    const { cache, env, dir } = project({
      'env.ts': ENV(),
      'helper.ts': "export const word = 'one';",
    });
    const first = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(first.cached).toBe(false);
    expect(first.ownSources.map((source) => source.path).sort()).toEqual([
      env,
      path.join(dir, 'helper.ts'),
    ]);
    expect(await bundledExports(first.entry, ['value'])).toEqual({ value: 'one' });
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, 'helper.ts'), later, later);
    expect(ownSourcesChanged(first)).toBe(true);
    const second = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(second).toMatchObject({ cached: true, entry: first.entry });
    expect(ownSourcesChanged(second)).toBe(false);
  });

  it('rebuilds when the env file or a file it imports changes', async () => {
    const { cache, env, dir } = project({
      'env.ts': ENV(),
      'helper.ts': "export const word = 'one';",
    });
    const first = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    writeFileSync(path.join(dir, 'helper.ts'), "export const word = 'two';");
    const second = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(second.cached).toBe(false);
    expect(second.entry).not.toBe(first.entry);
    expect(await bundledExports(second.entry, ['value'])).toEqual({ value: 'two' });
    writeFileSync(env, ENV("export const extra = 'added';"));
    const third = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(third.cached).toBe(false);
    expect(await bundledExports(third.entry, ['value', 'extra'])).toEqual({
      value: 'two',
      extra: 'added',
    });
  });

  it('rebuilds when a package the env imports now resolves elsewhere, even if the old files remain', async () => {
    const { cache, env, dir } = project({
      'env.ts':
        "import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: 'b' });\nexport { version } from 'dep';\n",
      'store/dep@1/package.json': '{"name":"dep","type":"module","main":"index.js"}',
      'store/dep@1/index.js': "export const version = '1';",
      'store/dep@2/package.json': '{"name":"dep","type":"module","main":"index.js"}',
      'store/dep@2/index.js': "export const version = '2';",
    });
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(path.join(dir, 'store/dep@1'), path.join(dir, 'node_modules/dep'));
    const first = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(await bundledExports(first.entry, ['version'])).toEqual({ version: '1' });
    // An upgrade: the link points at another version; version 1's files are untouched.
    rmSync(path.join(dir, 'node_modules/dep'));
    symlinkSync(path.join(dir, 'store/dep@2'), path.join(dir, 'node_modules/dep'));
    const second = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(second.cached).toBe(false);
    expect(await bundledExports(second.entry, ['version'])).toEqual({ version: '2' });
  });

  it('gives every module its own import.meta.url, __dirname and __filename', async () => {
    const { cache, env, dir } = project({
      'env.ts': `${ENV()}export const url = import.meta.url;\nexport const envDir = import.meta.dirname;\nexport { cjsDir, cjsFile } from './lib/paths.cjs';\nexport { pkgUrl, pkgDir } from 'located';\n`,
      'helper.ts': "export const word = 'one';",
      'lib/paths.cjs':
        "'use strict';\nmodule.exports = { cjsDir: __dirname, cjsFile: __filename };\n",
      // Package code goes through the minifier first: its per-file values must survive it.
      'node_modules/located/package.json': '{"name":"located","type":"module","main":"index.js"}',
      'node_modules/located/index.js':
        'export const pkgUrl = import.meta.url;\nexport const pkgDir = import.meta.dirname;\n',
    });
    const { entry } = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    const names = ['url', 'envDir', 'cjsDir', 'cjsFile', 'pkgUrl', 'pkgDir'];
    expect(await bundledExports(entry, names)).toEqual({
      url: pathToFileURL(env).href,
      envDir: dir,
      cjsDir: path.join(dir, 'lib'),
      cjsFile: path.join(dir, 'lib/paths.cjs'),
      pkgUrl: pathToFileURL(path.join(dir, 'node_modules/located/index.js')).href,
      pkgDir: path.join(dir, 'node_modules/located'),
    });
  });

  it('refuses what a bundle would break: a computed require, the bindings package', async () => {
    const computed = project({
      'env.ts': `${ENV()}export const load = (name: string) => require(name);\n`,
      'helper.ts': "export const word = 'one';",
    });
    await expect(
      prepareEntry({ file: computed.env, cacheDir: computed.cache, fallbacks }),
    ).rejects.toMatchObject({
      name: 'BundleRefusedError',
      message: expect.stringContaining(`${computed.env} calls require(<computed>)`),
    });
    const addon = project({
      'env.ts': `${ENV()}import bindings from 'bindings';\nexport const addon = () => bindings('x');\n`,
      'helper.ts': "export const word = 'one';",
      'node_modules/bindings/package.json': '{"name":"bindings","main":"index.js"}',
      'node_modules/bindings/index.js': 'module.exports = () => null;',
    });
    await expect(
      prepareEntry({ file: addon.env, cacheDir: addon.cache, fallbacks }),
    ).rejects.toThrow("uses 'bindings'");
  });

  it('fails with esbuild naming the file and line for a syntax error', async () => {
    const { cache, env } = project({
      'env.ts':
        "import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: 'x' };\n",
    });
    await expect(prepareEntry({ file: env, cacheDir: cache, fallbacks })).rejects.toThrow(
      /env\.ts:2:\d+: ERROR/,
    );
  });

  it('two processes preparing the same bundle at once both get a complete one', async () => {
    const { cache, env } = project({ 'env.ts': ENV(), 'helper.ts': "export const word = 'one';" });
    // The source through jiti (it maps the `.js` imports to `.ts`), as vitest runs it.
    const jiti = createRequire(ENVIRONMENT_MODULE).resolve('jiti');
    const script = `const { createJiti } = await import(${JSON.stringify(pathToFileURL(jiti).href)});
const { prepareEntry } = await createJiti(import.meta.url).import(${JSON.stringify(path.join(import.meta.dirname, 'bundle-cache.ts'))});
const entry = await prepareEntry({ file: ${JSON.stringify(env)}, cacheDir: ${JSON.stringify(cache)}, fallbacks: ${JSON.stringify(fallbacks)} });
console.log(JSON.stringify(entry));`;
    const run = () =>
      promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: import.meta.dirname,
      }).then(({ stdout }) => JSON.parse(stdout) as { entry: string; cached: boolean });
    const results = await Promise.all([run(), run(), run()]);
    // Identical inputs make identical bundles, stored under one name.
    expect(new Set(results.map((result) => result.entry)).size).toBe(1);
    const entry = results[0]?.entry as string;
    expect(await bundledExports(entry, ['value'])).toEqual({ value: 'one' });
    // No temporary directories or files left behind, and a manifest naming the bundle.
    const keyDir = path.dirname(path.dirname(entry));
    expect(readdirSync(keyDir).sort()).toEqual([
      path.basename(path.dirname(entry)),
      'manifest.json',
    ]);
    expect(JSON.parse(readFileSync(path.join(keyDir, 'manifest.json'), 'utf8')).bundle).toBe(
      path.basename(path.dirname(entry)),
    );
  });
});
