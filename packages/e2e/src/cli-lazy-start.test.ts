import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HUD_BIN } from './support/served-env.js';

// `hud --help`, `hud --version` and every command's help load commander and the command definitions
// only (as dist/cli.cjs, their one-file bundle, or as the tsc-built modules): the packages a command runs
// with (runtimes, agents and their provider SDKs, @hud/eval, @hud/environment, @hud/protocol and its zod
// schemas, dockerode, esbuild…) are imported inside the actions. A module hook in the child records every
// specifier it resolves and every file it loads.

/** The published entry (`bin` of @hud/cli), which imports dist/bin.js. */
const BIN = path.join(path.dirname(HUD_BIN), '..', 'bin', 'hud.js');
const CLI_ROOT = path.dirname(path.dirname(HUD_BIN));
/** The CLI's own modules a help may load: the entry, its launcher, the program and the command definitions. */
const DEFINITIONS = new Set(
  [
    'bin/hud.js',
    'dist/bin.js',
    'dist/cli.cjs',
    'dist/program.js',
    'dist/version.js',
    'dist/defaults.js',
    'dist/launcher.js',
    ...[
      'build',
      'debug',
      'eval',
      'init',
      'jobs',
      'models',
      'serve',
      'set',
      'task',
      'trace',
      'login',
      'keys',
      'cancel',
      'gateway',
    ].map((name) => `dist/commands/${name}.js`),
  ].map((file) => path.join(CLI_ROOT, file)),
);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hud-lazy-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A `--import` module: records each specifier resolved and each file loaded, written to a file at exit. */
const HOOK = `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const specifiers = new Set();
const files = new Set();
registerHooks({
  resolve(specifier, context, next) {
    specifiers.add(specifier);
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url.startsWith('file:')) files.add(url);
    return next(url, context);
  },
});
process.on('exit', () => {
  writeFileSync(process.env.HUD_TEST_LOADED, JSON.stringify({ specifiers: [...specifiers], files: [...files] }));
});
`;
const hookFile = path.join(scratch, 'record-loads.mjs');
writeFileSync(hookFile, HOOK);

/** What `hud <args>` imported: bare specifiers (no `node:` builtins, no relative paths) and files. */
async function loadsOf(
  args: string[],
): Promise<{ bare: string[]; files: string[]; stdout: string }> {
  const record = path.join(scratch, `loaded-${args.join('-').replace(/\W+/g, '_')}.json`);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(hookFile).href, BIN, ...args],
      { env: { ...process.env, HUD_TEST_LOADED: record }, encoding: 'utf8', timeout: 30_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  const loaded = JSON.parse(readFileSync(record, 'utf8')) as {
    specifiers: string[];
    files: string[];
  };
  const bare = loaded.specifiers.filter(
    (specifier) =>
      !specifier.startsWith('node:') &&
      !specifier.startsWith('.') &&
      !specifier.startsWith('/') &&
      !specifier.startsWith('file:'),
  );
  return {
    bare: [...new Set(bare)].sort(),
    files: loaded.files.map((url) => fileURLToPath(url)),
    stdout,
  };
}

describe('hud start-up loads no command dependencies', () => {
  it.each([
    [['--help']],
    [['--version']],
    [['help', 'eval']],
    [['eval', '--help']],
    [['serve', '--help']],
    [['task', 'start', '--help']],
    [['jobs', '--help']],
    [['trace', '--help']],
    [['models', 'list', '--help']],
    [['models', 'fork', '--help']],
    [['login', '--help']],
    [['keys', 'create', '--help']],
    [['cancel', '--help']],
    [['gateway', '--help']],
    [['build', '--help']],
    [['debug', '--help']],
    [['worker', '--help']],
  ])('hud %j imports commander and the command definitions only', async (args) => {
    const { bare, files, stdout } = await loadsOf(args);
    expect(stdout).not.toBe('');
    // Commander is the one package a help needs (bundled into dist/cli.cjs, or imported by name).
    expect(bare.filter((specifier) => specifier !== 'commander')).toEqual([]);
    const own = files.filter((file) => file.startsWith(`${CLI_ROOT}${path.sep}`));
    // The hook saw the program being loaded, so an empty list below means something.
    expect(
      own.filter((file) => /dist[/\\](cli\.cjs|program\.js)$/.test(file)),
      own.join('\n'),
    ).toHaveLength(1);
    expect(own.filter((file) => !DEFINITIONS.has(file))).toEqual([]);
    // Every other file loaded is commander's own.
    const others = files.filter((file) => !file.startsWith(`${CLI_ROOT}${path.sep}`));
    expect(others.filter((file) => !file.includes(`${path.sep}commander${path.sep}`))).toEqual([]);
  });
});
