import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareEntry } from './bundle-cache.js';

const fallbacks = {
  '@hud/environment': createRequire(import.meta.url).resolve('@hud/environment'),
};

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): { dir: string; cache: string; env: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-bundle-output-'));
  scratch.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return { dir, cache: path.join(dir, 'cache'), env: path.join(dir, 'env.ts') };
}

/** Runs `body` (an async function body with `m`, the bundle's `envModule`) in a fresh process; its JSON result. */
async function inChild(entry: string, body: string): Promise<unknown> {
  const script = `const { envModule: m } = await import(${JSON.stringify(pathToFileURL(entry).href)});\nconst result = await (async () => {${body}})();\nconsole.log(JSON.stringify(result));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { cwd: tmpdir() },
  );
  return JSON.parse(stdout);
}

describe('environment bundle output', () => {
  it('loads heavy builtins an env imports on first use, with the same values as require()', async () => {
    const { cache, env } = project({
      'env.ts': [
        "import { Environment } from '@hud/environment';",
        "import { request } from 'node:http';",
        "import os from 'node:os';",
        "import * as zlib from 'node:zlib';",
        "export const env = new Environment({ name: 'b' });",
        'export const useHttp = () => request;',
        'export const useOs = () => os;',
        'export const useZlib = () => zlib.gzipSync;',
      ].join('\n'),
    });
    const { entry } = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    const result = await inChild(
      entry,
      `const loaded = (name) => process.moduleLoadList.includes('NativeModule ' + name);
       const { createRequire } = await import('node:module');
       const require = createRequire(import.meta.url);
       const before = { http: loaded('http'), os: loaded('os'), zlib: loaded('zlib') };
       const same = {
         http: m.useHttp() === require('node:http').request,
         os: m.useOs().tmpdir() === require('node:os').tmpdir(),
         zlib: m.useZlib() === require('node:zlib').gzipSync,
         keys: Object.keys(m.useOs()).includes('tmpdir'),
       };
       return { before, same, after: { http: loaded('http'), os: loaded('os'), zlib: loaded('zlib') } };`,
    );
    expect(result).toEqual({
      before: { http: false, os: false, zlib: false },
      same: { http: true, os: true, zlib: true, keys: true },
      after: { http: true, os: true, zlib: true },
    });
  });

  it('re-exports an eager builtin once per bundle (not copied per importing module), with the values require() gives', async () => {
    const { cache, env } = project({
      'env.ts': [
        "import { Environment } from '@hud/environment';",
        "import fs, { readFileSync } from 'node:fs';",
        "import * as nodePath from 'node:path';",
        "import { other } from './other.ts';",
        "export const env = new Environment({ name: 'b' });",
        'export const used = () => ({ fs, readFileSync, join: nodePath.join, path: nodePath.default, other });',
      ].join('\n'),
      'other.ts': "import { existsSync } from 'node:fs';\nexport const other = existsSync;",
    });
    const { entry } = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    const text = readFileSync(entry, 'utf8');
    expect(text).not.toMatch(/__toESM\(require_node_(fs|path)\(\)/);
    expect(text.match(/__reExport\(\w+, require\("node:fs"\)\)/g)).toHaveLength(1);
    expect(
      await inChild(
        entry,
        `const { createRequire } = await import('node:module');
         const require = createRequire(import.meta.url);
         const fs = require('node:fs');
         const used = m.used();
         return [used.fs === fs, used.readFileSync === fs.readFileSync, used.other === fs.existsSync,
           used.join === require('node:path').join, used.path === require('node:path')];`,
      ),
    ).toEqual([true, true, true, true, true]);
  });

  it('serves from one CommonJS file: package code minified, own code as written, dynamic imports evaluated when reached', async () => {
    const branches = (name: string) =>
      `export function ${name}(word, loud) {\n  if (loud) {\n    return word.toUpperCase() + '!';\n  } else {\n    return word;\n  }\n}\n`;
    const { cache, env } = project({
      'env.ts': [
        "import { Environment } from '@hud/environment';",
        "export const env = new Environment({ name: 'b' });",
        "export const shoutLater = async (word: string) => (await import('shouting')).shout(word, true);",
        branches('whisper'),
      ].join('\n'),
      'node_modules/shouting/package.json': '{"name":"shouting","type":"module","main":"index.js"}',
      'node_modules/shouting/index.js': `globalThis.shoutingLoaded = true;\n${branches('shout')}`,
    });
    const { entry } = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(path.basename(entry)).toBe('entry.cjs');
    expect(readdirSync(path.dirname(entry))).toEqual(['entry.cjs']);
    const text = readFileSync(entry, 'utf8');
    expect(text.startsWith("'use strict';")).toBe(true);
    // The project's own function as written; the package's through the minifier (`if … else` → `?:`).
    expect(text).toContain('// env.ts\n');
    expect(text).toMatch(/function whisper\(word, loud\) \{\n\s+if \(loud\) \{/);
    expect(text).toMatch(/function shout\(word, loud\) \{\n\s+return loud \? /);
    expect(
      await inChild(
        entry,
        `const before = globalThis.shoutingLoaded ?? false;
         const shouted = await m.shoutLater('hey');
         return { before, shouted, after: globalThis.shoutingLoaded };`,
      ),
    ).toEqual({ before: false, shouted: 'HEY!', after: true });
  });

  it('leaves CommonJS packages only dynamic imports reach out of the file, required by path when reached', async () => {
    const cjs = (name: string, body: string) => ({
      [`node_modules/${name}/package.json`]: JSON.stringify({ name, main: 'index.js' }),
      [`node_modules/${name}/index.js`]: `globalThis.loaded = [...(globalThis.loaded ?? []), '${name}'];\n${body}`,
    });
    const { dir, cache, env } = project({
      'env.ts': [
        "import { Environment } from '@hud/environment';",
        "import shared from 'shared';",
        "export const env = new Environment({ name: 'b' });",
        'export const early = () => shared;',
        "export const later = async () => (await import('./later.ts')).run();",
      ].join('\n'),
      'later.ts': [
        "import lazy from 'lazy';",
        "import mixed from 'mixed';",
        "import { word } from 'esm-only';",
        'export const run = () => ({ lazy: lazy.word, dep: lazy.dep(), mixed: mixed.shared, word });',
      ].join('\n'),
      ...cjs('shared', "module.exports = { word: 'shared-word' };"),
      // Only the lazy code reaches `lazy` and its dependency: both stay out of the bundle.
      ...cjs(
        'lazy',
        "module.exports = { word: 'lazy-word', dep: () => require('lazy-dep').word };",
      ),
      ...cjs('lazy-dep', "module.exports = { word: 'lazy-dep-word' };"),
      // `mixed` needs a package the bundle holds: kept in, so `shared` stays one instance.
      ...cjs('mixed', "module.exports = { shared: require('shared') };"),
      // An ES module package cannot be `require`d everywhere Node 22 runs: kept in.
      'node_modules/esm-only/package.json': '{"name":"esm-only","type":"module","main":"index.js"}',
      'node_modules/esm-only/index.js':
        "globalThis.loaded = [...(globalThis.loaded ?? []), 'esm-only'];\nexport const word = 'esm-word';",
    });
    const { entry } = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(path.basename(entry)).toBe('entry.cjs');
    const text = readFileSync(entry, 'utf8');
    expect(text).toContain(
      `require(${JSON.stringify(path.join(dir, 'node_modules/lazy/index.js'))})`,
    );
    expect(text).not.toContain('lazy-word');
    expect(text).not.toContain('lazy-dep-word');
    for (const kept of ['shared', 'mixed', 'esm-only']) {
      expect(text).toContain(`node_modules/${kept}/index.js`);
    }
    expect(
      await inChild(
        entry,
        `const before = [...globalThis.loaded];
         const { mixed, ...ran } = await m.later();
         return { before, ran, oneShared: mixed === m.early(), after: globalThis.loaded.sort() };`,
      ),
    ).toEqual({
      before: ['shared'],
      ran: { lazy: 'lazy-word', dep: 'lazy-dep-word', word: 'esm-word' },
      oneShared: true,
      after: ['esm-only', 'lazy', 'lazy-dep', 'mixed', 'shared'],
    });
    // The required file is an input: changed in place (same path), the bundle is rebuilt.
    expect((await prepareEntry({ file: env, cacheDir: cache, fallbacks })).cached).toBe(true);
    writeFileSync(
      path.join(dir, 'node_modules/lazy/index.js'),
      "module.exports = { word: 'new' };",
    );
    expect((await prepareEntry({ file: env, cacheDir: cache, fallbacks })).cached).toBe(false);
  });

  it("leaves zod's locales but en out of the file, requiring zod's own CommonJS one when the env asks for it", async () => {
    const zodDir = path.dirname(
      createRequire(fallbacks['@hud/environment']).resolve('zod/package.json'),
    );
    const { dir, cache, env } = project({
      'env.ts': [
        "import { Environment } from '@hud/environment';",
        "import { z } from 'zod';",
        "export const env = new Environment({ name: 'b' });",
        'const message = () => z.string().safeParse(1).error?.issues[0]?.message;',
        'export const english = () => message();',
        'export const french = () => {',
        '  z.config(z.locales.fr());',
        '  try { return message(); } finally { z.config(z.locales.en()); }',
        '};',
      ].join('\n'),
    });
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(zodDir, path.join(dir, 'node_modules', 'zod'));
    const { entry } = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(path.basename(entry)).toBe('entry.cjs');
    const text = readFileSync(entry, 'utf8');
    expect(text).toContain('zod/v4/locales/en.js\n');
    expect(text).not.toContain('zod/v4/locales/fr.js\n');
    expect(text).toContain(
      `require(${JSON.stringify(path.join(realpathSync(zodDir), 'v4/locales/fr.cjs'))})`,
    );
    // What zod itself says, unbundled (this package does not depend on zod: the little of it used here).
    const { z } = (await import(pathToFileURL(path.join(zodDir, 'index.js')).href)) as {
      z: {
        config(config: unknown): void;
        locales: Record<'en' | 'fr', () => unknown>;
        string(): { safeParse(value: unknown): { error?: { issues: { message: string }[] } } };
      };
    };
    z.config(z.locales.fr());
    const french = z.string().safeParse(1).error?.issues[0]?.message;
    z.config(z.locales.en());
    expect(french).toMatch(/^Entr/);
    expect(
      await inChild(
        entry,
        `const { createRequire } = await import('node:module');
         const { basename } = await import('node:path');
         const cache = createRequire(import.meta.url).cache;
         const loaded = () => Object.keys(cache).filter((file) => file.includes('locales')).map((file) => basename(file));
         const before = loaded();
         return { english: m.english(), french: m.french(), after: m.english(), before, fr: loaded() };`,
      ),
    ).toEqual({
      english: 'Invalid input: expected string, received number',
      french,
      after: 'Invalid input: expected string, received number',
      before: [],
      fr: ['fr.cjs'],
    });
  });

  it('bundles ES modules when the environment needs them (top-level await, import.meta beyond url)', async () => {
    const { cache, env } = project({
      'env.ts': [
        "import { Environment } from '@hud/environment';",
        "export const env = new Environment({ name: 'b' });",
        "export const word = await Promise.resolve('awaited');",
      ].join('\n'),
    });
    const { entry } = await prepareEntry({ file: env, cacheDir: cache, fallbacks });
    expect(path.basename(entry)).toBe('entry.mjs');
    expect(await inChild(entry, 'return m.word;')).toBe('awaited');
    const meta = project({
      'env.ts': [
        "import { Environment } from '@hud/environment';",
        "export const env = new Environment({ name: 'b' });",
        "export const here = import.meta.resolve('./env.ts');",
      ].join('\n'),
    });
    const bundled = await prepareEntry({ file: meta.env, cacheDir: meta.cache, fallbacks });
    expect(path.basename(bundled.entry)).toBe('entry.mjs');
  });
});
