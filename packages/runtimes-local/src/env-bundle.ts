import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';
import {
  type BuildRecord,
  bundlePlugins,
  ENTRY_SPECIFIER,
  lookupPackage,
  type PackageLookup,
  PER_FILE_DEFINES,
  type SourceRecord,
} from './bundle-plugins.js';

/** One output file of an environment bundle. */
export interface BundleFile {
  /** Path relative to the bundle's directory (`entry.cjs`; or `entry.mjs` and `chunk-<hash>.mjs`). */
  readonly name: string;
  readonly contents: Uint8Array;
}

/** An environment bundle in memory, with what it was built from. */
export interface EnvBundle {
  /** The entry's name among {@link EnvBundle.files}. */
  readonly entry: string;
  readonly files: readonly BundleFile[];
  /** Every file bundled, hashed as read. */
  readonly sources: readonly SourceRecord[];
  /** Every bare import's package lookup. */
  readonly lookups: readonly PackageLookup[];
  /** Directories of the packages the bundle's bare imports reached (found or lent). */
  readonly packageRoots: readonly string[];
}

/** Thrown when an environment must not be bundled (it would behave differently): serve it unbundled. */
export class BundleRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleRefusedError';
  }
}

/** The entry's name in the output directory, by bundle format. */
export const ENTRY_FILES = { cjs: 'entry.cjs', esm: 'entry.mjs' } as const;

/**
 * What a bundle cannot keep: a free `require` with a computed argument or `require.resolve` (in an ES
 * module bundle esbuild calls the shim `__require`), or an `import()` of a computed specifier. Both resolve
 * against the module's own location at run time, which bundling moves. (A string literal containing such
 * text also matches: the environment is then served unbundled, which is only slower.)
 */
const UNBUNDLABLE_CALLS: readonly [RegExp, string][] = [
  [/(?<![\w$.])(?:__)?require\s*\(\s*(?!["'`)])/, 'require(<computed>)'],
  [/(?<![\w$.])(?:__)?require\.resolve\b/, 'require.resolve()'],
  [/(?<![\w$.])import\s*\(\s*(?!["'`)])/, 'import(<computed>)'],
];

/** The refusal for the first unbundlable call in an output file, naming its source module. */
function unbundlableCall(text: string, base: string): string | undefined {
  for (const [pattern, what] of UNBUNDLABLE_CALLS) {
    const match = pattern.exec(text);
    if (!match) continue;
    // esbuild heads each module's code with a `// <path>` comment line.
    const heading = text.lastIndexOf('\n// ', match.index);
    const module =
      heading === -1
        ? 'a module'
        : path.resolve(base, text.slice(heading + 4, text.indexOf('\n', heading + 1)));
    return `${module} calls ${what}, which resolves from the module's own location`;
  }
  return undefined;
}

/**
 * A CommonJS module bundled into an ES module still calls `require` (builtins, native addons, computed
 * paths in packages): every output file of an ES module bundle gets one of its own.
 */
const REQUIRE_SHIM =
  "import { createRequire as __hudCreateRequire } from 'node:module';\n" +
  'const require = __hudCreateRequire(import.meta.url);';

/** A bundle input that is package code (under `node_modules`) or a virtual module (`namespace:path`). */
const isPackageInput = (input: string) =>
  input.includes(':') || input.split(/[\\/]/).includes('node_modules');

/**
 * An output file holding only package code, without its whitespace and with shorter syntax (identifiers and
 * names are kept): for zod alone about a quarter fewer bytes for every child to read, decode and compile —
 * measured ~10 ms of CPU less per child. Files with the project's own code stay as esbuild printed them.
 */
async function minified(esbuild: typeof import('esbuild'), text: string): Promise<Uint8Array> {
  const result = await esbuild.transform(text, {
    loader: 'js',
    target: 'node22',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
  });
  return new TextEncoder().encode(result.code);
}

/** The environment needs ES module semantics a CommonJS bundle lacks: build the ES module bundle instead. */
class NeedsEsmError extends Error {}

/**
 * Bundles an environment file and everything it imports for one child process to load (serve-child's
 * `--bundle`): an entry exporting the file's module as `envModule` and `PORT_ANNOUNCEMENT`,
 * `selectEnvironment` and `serve` of the `@hud/environment` at `serverModule`. Only `node:` builtins,
 * native addons and loaders stay external. Nothing is written: the caller stores {@link EnvBundle.files}.
 *
 * Preferably one CommonJS file, `entry.cjs`, which a child `require`s: a dynamic `import()` of bundled
 * code becomes a call that evaluates that code when reached (a workspace's SSH server, MCP, browser code
 * are in the file but not run), so a child evaluates no more than the file would, and loads one module
 * instead of an ES module graph (measured ~10–20 ms of CPU less per child than `entry.mjs` and its
 * chunks). Package code (under `node_modules`, or a package a bare import reached) is syntax-minified
 * module by module; the project's own modules stay as written. Everything runs in strict mode, as in an
 * ES module. CommonJS packages only dynamic imports reach (see {@link lazyPackages}) are left out and
 * `require`d by absolute path when reached, found by a first, unminified build of the whole graph.
 *
 * When the environment needs ES module semantics — a top-level `await`, or `import.meta` beyond
 * `url`/`dirname`/`filename` — ES modules instead: `entry.mjs` plus chunks, dynamic imports as chunks of
 * their own loaded when reached, and chunks holding only package code minified.
 * @param esbuild the `esbuild` module.
 * @throws BundleRefusedError when the bundle would not behave like the unbundled file (a computed
 *   `require`/`import` or `require.resolve` anywhere in it, the `bindings` package); esbuild's error (naming the file
 *   and line) when the file does not bundle — a syntax error, an unresolvable import.
 */
export async function bundleEnvironment(
  esbuild: typeof import('esbuild'),
  options: { file: string; serverModule: string; fallbacks: Readonly<Record<string, string>> },
): Promise<EnvBundle> {
  try {
    // A first, unminified pass finds the packages only dynamic imports reach; the second leaves them out.
    const { result } = await runBuild(esbuild, options, 'cjs', { minify: false });
    const metafile = result.metafile ?? { inputs: {}, outputs: {} };
    return await bundleAs(
      esbuild,
      options,
      'cjs',
      lazyPackages(metafile, path.dirname(options.file)),
    );
  } catch (error) {
    if (!(error instanceof NeedsEsmError)) throw error;
    return bundleAs(esbuild, options, 'esm');
  }
}

/** esbuild's complaint about top-level await in a CommonJS bundle, or its warning about an empty `import.meta`. */
const ESM_ONLY = /top-level await|import\.meta/i;

type BundleOptions = {
  file: string;
  serverModule: string;
  fallbacks: Readonly<Record<string, string>>;
};

/** One esbuild run (nothing written), refusing a CommonJS build of an environment that needs ES modules. */
async function runBuild(
  esbuild: typeof import('esbuild'),
  options: BundleOptions,
  format: 'cjs' | 'esm',
  { minify, externalPackages }: { minify: boolean; externalPackages?: ReadonlySet<string> },
) {
  const record: BuildRecord = {
    sources: new Map(),
    lookups: new Map(),
    packageRoots: new Set(),
    refusals: [],
  };
  const cjs = format === 'cjs';
  const entryFile = ENTRY_FILES[format];
  const outdir = path.join(path.dirname(options.file), '.hud-bundle-out');
  const build: BuildOptions = {
    entryPoints: { entry: ENTRY_SPECIFIER },
    bundle: true,
    splitting: !cjs,
    platform: 'node',
    format,
    // The oldest Node this package supports: children may run another binary (the `nodePath` option).
    target: 'node22',
    outdir,
    outExtension: { '.js': cjs ? '.cjs' : '.mjs' },
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    // ES module code is strict: so is the CommonJS bundle of it (the directive must come first).
    banner: { js: cjs ? "'use strict';" : REQUIRE_SHIM },
    define: { ...PER_FILE_DEFINES },
    // Comments name each module's source relative to the env file's directory.
    absWorkingDir: path.dirname(options.file),
    plugins: bundlePlugins({
      ...options,
      record,
      minifyPackages: minify,
      externalPackages,
      format,
    }),
  };
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build(build);
  } catch (error) {
    const messages = (error as { errors?: { text: string }[] }).errors ?? [];
    if (cjs && messages.some((message) => ESM_ONLY.test(message.text))) throw new NeedsEsmError();
    throw error;
  }
  if (cjs && result.warnings.some((warning) => ESM_ONLY.test(warning.text))) {
    throw new NeedsEsmError();
  }
  return { result, record, build, outdir, entryFile, cjs };
}

async function bundleAs(
  esbuild: typeof import('esbuild'),
  options: BundleOptions,
  format: 'cjs' | 'esm',
  externalPackages: ReadonlySet<string> = new Set(),
): Promise<EnvBundle> {
  const { result, record, build, outdir, entryFile, cjs } = await runBuild(
    esbuild,
    options,
    format,
    {
      minify: format === 'cjs',
      externalPackages,
    },
  );
  if (record.refusals.length > 0) throw new BundleRefusedError(record.refusals.join('; '));
  // Inputs esbuild read itself (none expected: every file goes through the sources plugin).
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    if (input.includes(':')) continue; // a virtual module (namespace:path)
    const absolute = path.resolve(path.dirname(options.file), input);
    if (!record.sources.has(absolute)) {
      throw new BundleRefusedError(`esbuild read ${absolute} without recording it`);
    }
  }
  for (const output of result.outputFiles ?? []) {
    const refusal = unbundlableCall(output.text, path.dirname(options.file));
    if (refusal) throw new BundleRefusedError(refusal);
  }
  const outputs = result.metafile?.outputs ?? {};
  const files = await Promise.all(
    (result.outputFiles ?? []).map(async (output) => {
      const name = path.relative(outdir, output.path);
      const inputs = Object.keys(
        outputs[path.relative(build.absWorkingDir ?? '', output.path)]?.inputs ?? {},
      );
      const contents =
        !cjs && inputs.length > 0 && inputs.every(isPackageInput)
          ? await minified(esbuild, output.text)
          : output.contents;
      return { name, contents };
    }),
  );
  files.sort((a, b) => a.name.localeCompare(b.name));
  if (!files.some((output) => output.name === entryFile)) {
    throw new BundleRefusedError(`esbuild wrote no ${entryFile}`);
  }
  return {
    entry: entryFile,
    files,
    sources: [...record.sources.values()].sort((a, b) => a.path.localeCompare(b.path)),
    // Sorted: resolution order varies between builds, the name of the stored bundle must not.
    lookups: [...record.lookups.values()].sort((a, b) =>
      `${a.dir}\0${a.name}`.localeCompare(`${b.dir}\0${b.name}`),
    ),
    packageRoots: [...record.packageRoots].sort(),
  };
}

/** The package directory holding a file (`…/node_modules/<name>`, `…/node_modules/@scope/<name>`), if any. */
function nodeModulesRoot(file: string): string | undefined {
  const parts = file.split(path.sep);
  const index = parts.lastIndexOf('node_modules');
  const length = parts[index + 1]?.startsWith('@') ? 2 : 1;
  // Not in node_modules, or the path names the package directory itself.
  if (index === -1 || index + length + 1 >= parts.length) return undefined;
  return parts.slice(0, index + length + 1).join(path.sep);
}

/** Whether Node loads a file as CommonJS: `.cjs`, or `.js` whose nearest `package.json` has no `"type": "module"`. */
function isCommonJs(file: string): boolean {
  const extension = path.extname(file);
  if (extension === '.cjs') return true;
  if (extension !== '.js') return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    let text: string;
    try {
      text = readFileSync(path.join(dir, 'package.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
      if (path.dirname(dir) === dir) return true;
      continue;
    }
    try {
      return (JSON.parse(text) as { type?: unknown }).type !== 'module';
    } catch {
      return false; // Node refuses to load it: keep the package bundled, as it was
    }
  }
}

/** A virtual module's metafile key (`namespace:path`), not a file. */
const isVirtual = (input: string) => /^[\w-]{2,}:/.test(input);
/** A bare specifier: a package name, not a relative or absolute path. */
const isBare = (specifier: string | undefined) =>
  specifier !== undefined && !/^(?:\.{1,2}(?:[\\/]|$)|[\\/]|[a-zA-Z]:[\\/]|file:)/.test(specifier);

/**
 * Packages (directories under `node_modules`) a CommonJS bundle can leave out, `require`d by absolute
 * path where reached: none of their files is reached from the entry without crossing a dynamic `import()`
 * (they are in the bundle only for code that may never run: a workspace's SSH server, MCP), the bundle
 * reaches them only by bare `import`/`require` of CommonJS files (so a `require` of the resolved file is what
 * the bundle did with it), and everything they import is such a package too (so no module is both in
 * the bundle and loaded beside it: one instance of each, as unbundled). For letter-count: ssh2 and its
 * dependencies, ajv — ~0.8 of 2.3 MB every child would read, hash and decode.
 * @param workingDir the build's `absWorkingDir` (metafile paths are relative to it).
 */
export function lazyPackages(metafile: Metafile, workingDir: string): Set<string> {
  const { inputs } = metafile;
  const rootOf = (input: string) =>
    isVirtual(input) ? undefined : nodeModulesRoot(path.resolve(workingDir, input));
  // Inputs reached from the entry through static imports and requires only.
  const entries = Object.values(metafile.outputs).flatMap((output) =>
    output.entryPoint ? [output.entryPoint] : [],
  );
  const reached = new Set<string>(entries);
  const queue = [...entries];
  for (let input = queue.pop(); input !== undefined; input = queue.pop()) {
    for (const edge of inputs[input]?.imports ?? []) {
      if (edge.external || edge.kind === 'dynamic-import' || reached.has(edge.path)) continue;
      reached.add(edge.path);
      queue.push(edge.path);
    }
  }
  const refused = new Set<string>();
  const dependencies = new Map<string, Set<string | undefined>>();
  for (const [input, { imports }] of Object.entries(inputs)) {
    const root = rootOf(input);
    if (root !== undefined) {
      if (!dependencies.has(root)) dependencies.set(root, new Set());
      if (reached.has(input)) refused.add(root);
    }
    for (const edge of imports) {
      if (edge.external) continue;
      const target = rootOf(edge.path);
      if (target === root) continue;
      // Package code importing code outside any package (or a virtual module) keeps it bundled.
      if (root !== undefined) dependencies.get(root)?.add(target);
      if (target === undefined) continue;
      const requirable =
        (edge.kind === 'import-statement' || edge.kind === 'require-call') &&
        isBare(edge.original) &&
        isCommonJs(path.resolve(workingDir, edge.path));
      if (!requirable) refused.add(target);
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [root, needs] of dependencies) {
      if (refused.has(root)) continue;
      if ([...needs].some((need) => need === undefined || refused.has(need))) {
        refused.add(root);
        changed = true;
      }
    }
  }
  return new Set([...dependencies.keys()].filter((root) => !refused.has(root)));
}

/** True when every package lookup still finds the same package (see {@link PackageLookup}). */
export function lookupsUnchanged(lookups: readonly PackageLookup[]): boolean {
  return lookups.every((lookup) => lookupPackage(lookup.dir, lookup.name) === lookup.found);
}
