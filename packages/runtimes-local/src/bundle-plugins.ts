import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Plugin } from 'esbuild';
import { lazyLocaleIndex } from './lazy-locales.js';

/** One file the bundle was built from, as read: its stat before the read and the sha256 of the bytes read. */
export interface SourceRecord {
  /** Absolute path. */
  readonly path: string;
  /** Bytes. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** Hex sha256 of the contents bundled. */
  readonly sha256: string;
}

/**
 * Where a bare import's package was found: the first `node_modules/<name>` above `dir` (Node's lookup), as
 * a real path, or null when there was none (a lent fallback, a tsconfig `paths` alias). Re-checked on every
 * reuse, so reinstalling or upgrading a package invalidates the bundle even when the old files remain.
 */
export interface PackageLookup {
  readonly dir: string;
  readonly name: string;
  readonly found: string | null;
}

/** What the plugins record during one build. */
export interface BuildRecord {
  readonly sources: Map<string, SourceRecord>;
  readonly lookups: Map<string, PackageLookup>;
  /** Directories of the packages bare imports reached: found in `node_modules`, or lent. */
  readonly packageRoots: Set<string>;
  /** Reasons the result would not behave like the unbundled environment (the build is refused). */
  readonly refusals: string[];
}

/** Namespaces of the virtual modules. */
const ENTRY_NAMESPACE = 'hud-child-entry';
const BUILTIN_NAMESPACE = 'hud-builtin';

/** Packages that load code by computed paths at run time: they must stay outside any bundle. */
const KEEP_EXTERNAL = new Set(['jiti', 'esbuild']);
/** Packages that find native addons through the caller's stack trace: they cannot work from a bundle. */
const UNBUNDLABLE = new Set(['bindings']);

const LOADERS: Readonly<Record<string, Loader>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
  '.json': 'json',
};

/**
 * Builtins an ES import gets lazily (loaded on first use of an export): object-valued modules Node does
 * not load at start-up and an environment child rarely needs before (or at all) — each costs ~5–15 ms of
 * CPU to load (`node:crypto`, `node:http`, `node:child_process`), paid by every child today because the
 * serving library and its capabilities import them at module level.
 */
const LAZY_BUILTINS = new Set([
  'child_process',
  'crypto',
  'dgram',
  'dns',
  'dns/promises',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'os',
  'perf_hooks',
  'readline',
  'tls',
  'v8',
  'worker_threads',
  'zlib',
]);

const requireHere = createRequire(import.meta.url);

/**
 * The stand-in for an ES import of a builtin. Eager, in a CommonJS bundle: an ES module re-exporting the
 * builtin (`export * from x`, its default `require(x)`), whose names esbuild copies once per bundle — a
 * CommonJS stand-in (`module.exports = require(x)`, still used for ES module bundles, where `export *`
 * would become an ES import of the builtin's namespace) has them copied by esbuild's interop into a new
 * object at every importing module: ~1,400 property definitions at a letter-count child's start, 108 per
 * import of `node:fs`. Lazy (see
 * {@link LAZY_BUILTINS}): an object with a getter and setter per export this Node has, loading the builtin
 * on first access; a name it lacks (another Node binary for the children) is looked up through its
 * prototype, a proxy that loads the builtin too. esbuild's ESM interop copies property names (not values),
 * reads `__esModule` (answered by an own property) and reads named imports at use, so nothing loads
 * before the code touches the module.
 */
export function builtinModuleSource(specifier: string, format: 'cjs' | 'esm' = 'cjs'): string {
  const id = JSON.stringify(specifier);
  if (!LAZY_BUILTINS.has(specifier.replace(/^node:/, ''))) {
    return format === 'cjs'
      ? `export * from ${id};\nexport default require(${id});`
      : `module.exports = require(${id});`;
  }
  const names = Object.keys(requireHere(specifier) as object).filter((name) => name !== 'default');
  const accessors = names.map((name) => {
    const key = JSON.stringify(name);
    return `  ${key}: { get: () => load()[${key}], set: (value) => { load()[${key}] = value; }, enumerable: true, configurable: true },`;
  });
  return [
    'var loaded;',
    `function load() { return loaded ??= require(${id}); }`,
    'var missing = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });',
    'module.exports = Object.create(missing, {',
    // esbuild's interop asks every CommonJS module whether it is an ES module: answer without loading.
    '  __esModule: { value: false },',
    ...accessors,
    '});',
  ].join('\n');
}

/** Free identifiers each module gets its own value for (`define` maps them to per-file variables). */
export const PER_FILE_DEFINES: Readonly<Record<string, string>> = {
  __dirname: '__hud_dirname',
  __filename: '__hud_filename',
  'import.meta.url': '__hud_import_meta_url',
  'import.meta.dirname': '__hud_import_meta_dirname',
  'import.meta.filename': '__hud_import_meta_filename',
};

/** A leading shebang and directive prologue ("use strict"), after which declarations may go. */
const PROLOGUE = /^(?:#![^\n]*\n)?(?:(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*(['"])use strict\1\s*;?)?/;

const inNodeModules = (file: string) => file.split(path.sep).includes('node_modules');

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** Node's package lookup: the real path of the first `node_modules/<name>` in `dir` or above, else null. */
export function lookupPackage(dir: string, name: string): string | null {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules', name);
    if (existsSync(candidate)) {
      try {
        return realpathSync(candidate);
      } catch {
        return null;
      }
    }
    if (path.dirname(current) === current) return null;
  }
}

/** The real directory of the nearest `package.json` above a module, if any. */
function packageRoot(file: string): string | undefined {
  for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) {
      try {
        return realpathSync(dir);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Reads a file for the bundle, recording its stat (taken first) and the hash of exactly the bytes read. */
function readSource(file: string, record: BuildRecord): string {
  const stat = statSync(file);
  const bytes = readFileSync(file);
  record.sources.set(file, {
    path: file,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    ctimeMs: stat.ctimeMs,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
  return bytes.toString('utf8');
}

/**
 * Declarations of the per-file values of {@link PER_FILE_DEFINES} the source mentions, inserted after its
 * shebang and directive prologue and on the same line (line numbers in stack traces stay the same).
 */
function withFileValues(source: string, file: string): string {
  const mentions = source.includes('__dirname') || source.includes('__filename');
  if (!mentions && !source.includes('import.meta')) return source;
  const dir = JSON.stringify(path.dirname(file));
  const name = JSON.stringify(file);
  const declarations =
    `var __hud_dirname = ${dir}, __hud_filename = ${name}, ` +
    `__hud_import_meta_url = ${JSON.stringify(pathToFileURL(file).href)}, ` +
    `__hud_import_meta_dirname = ${dir}, __hud_import_meta_filename = ${name};`;
  const prologue = PROLOGUE.exec(source)?.[0] ?? '';
  return `${prologue}${declarations}${source.slice(prologue.length)}`;
}

/**
 * The plugins of an environment bundle:
 *
 * - **entry**: the virtual entry re-exporting the env file's module (`envModule`) and the serving API of the
 *   `@hud/environment` at `serverModule` (what serve-child would import), so a child imports one module;
 * - **builtins**: `import … from 'node:x'` becomes a `require` — an ES import of a builtin builds its whole
 *   namespace, which for `node:http` loads undici, http2 and tls (~50–80 ms of CPU per process) — and for
 *   the heavier ones a lazy one (see {@link builtinModuleSource});
 * - **native addons** (`*.node`) stay external under their absolute path, so the addon loads as before;
 * - **bare imports**: resolved as esbuild does; a package the file cannot resolve comes from `fallbacks`
 *   (as the loader lends them), an unresolvable optional import inside a package stays external (it sits in
 *   a try/catch), loaders (`jiti`) stay external by absolute URL; every lookup is recorded;
 * - **sources**: every file is read here, so its hash is of the exact bytes bundled, and gets its own
 *   `__dirname`, `__filename` and `import.meta.url`/`dirname`/`filename`;
 * - with `minifyPackages`, package JavaScript (under `node_modules`, or in a package a bare import
 *   reached, `serverModule`'s or a fallback's) goes through esbuild's syntax and whitespace minifier file by file (identifiers and names
 *   kept; the bundle prints it again, so what remains is the shorter syntax): less for every child to read
 *   and compile, while the project's own modules stay as written;
 * - `externalPackages` (package directories, see env-bundle.ts): a bare import resolving into one stays
 *   external as a `require` of the resolved file's absolute path, the file and its `package.json` recorded
 *   as sources;
 * - zod's locale index becomes a stand-in that `require`s each locale but `en` from zod's CommonJS build
 *   when called (see lazy-locales.ts), so 62 locales no env uses by default are not in every child's file;
 * - the `bindings` package refuses the build: it finds addons from its caller's file, which a bundle
 *   moves (so do computed `require(x)`/`import(x)`, which the caller finds in the output).
 */
export function bundlePlugins(options: {
  file: string;
  serverModule: string;
  fallbacks: Readonly<Record<string, string>>;
  record: BuildRecord;
  minifyPackages?: boolean;
  externalPackages?: ReadonlySet<string>;
  /** The bundle's format (default `cjs`): how builtins are stood in for (see {@link builtinModuleSource}). */
  format?: 'cjs' | 'esm';
}): Plugin[] {
  const { file, serverModule, fallbacks, record } = options;
  const externalPackages = options.externalPackages ?? new Set<string>();
  const externalRoot = (resolved: string) =>
    [...externalPackages].find((root) => resolved.startsWith(root + path.sep));
  // The packages of `serverModule` and the fallbacks are known up front: the entry imports the former by
  // path, so it may load before any bare import records its package (the same bytes every build). Other
  // packages' files load only after the bare import that reached them recorded the package.
  const knownPackages = [serverModule, ...Object.values(fallbacks)]
    .map(packageRoot)
    .filter((root) => root !== undefined);
  const isPackageFile = (source: string) =>
    inNodeModules(source) ||
    [...knownPackages, ...record.packageRoots].some((root) => source.startsWith(root + path.sep));
  const entry: Plugin = {
    name: 'hud-entry',
    setup(build) {
      build.onResolve({ filter: /^hud-child-entry$/ }, () => ({
        path: 'entry',
        namespace: ENTRY_NAMESPACE,
      }));
      build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, () => ({
        contents:
          `export * as envModule from ${JSON.stringify(file)};\n` +
          `export { PORT_ANNOUNCEMENT, selectEnvironment, serve } from ${JSON.stringify(serverModule)};\n`,
        resolveDir: path.dirname(file),
        loader: 'js',
      }));
    },
  };
  const builtins: Plugin = {
    name: 'hud-builtins',
    setup(build) {
      build.onResolve({ filter: /^[\w:/]+$/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        if (args.kind !== 'import-statement' || args.namespace === BUILTIN_NAMESPACE) {
          return { path: args.path, external: true };
        }
        return { path: args.path, namespace: BUILTIN_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: BUILTIN_NAMESPACE }, (args) => ({
        contents: builtinModuleSource(args.path, options.format),
        loader: 'js',
      }));
    },
  };
  const native: Plugin = {
    name: 'hud-native-addons',
    setup(build) {
      build.onResolve({ filter: /\.node$/ }, (args) => {
        const absolute = path.resolve(args.resolveDir, args.path);
        return { path: existsSync(absolute) ? absolute : args.path, external: true };
      });
    },
  };
  const bare: Plugin = {
    name: 'hud-bare-imports',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.hudResolving || args.namespace !== 'file') return undefined;
        if (path.isAbsolute(args.path)) return undefined;
        const name = packageName(args.path);
        if (UNBUNDLABLE.has(name)) {
          record.refusals.push(
            `${args.importer} uses '${name}' (finds native addons by stack trace)`,
          );
        }
        const key = `${args.resolveDir}\0${name}`;
        let lookup = record.lookups.get(key);
        if (!lookup) {
          lookup = { dir: args.resolveDir, name, found: lookupPackage(args.resolveDir, name) };
          record.lookups.set(key, lookup);
        }
        if (lookup.found) record.packageRoots.add(lookup.found);
        const own = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { hudResolving: true },
        });
        if (own.errors.length === 0 && !own.external && KEEP_EXTERNAL.has(name)) {
          return { path: pathToFileURL(own.path).href, external: true };
        }
        const lazyRoot =
          own.errors.length === 0 && !own.external ? externalRoot(own.path) : undefined;
        if (lazyRoot !== undefined) {
          // Required by absolute path when reached: the file and its package.json are inputs, so an
          // upgrade in place (same directory, other files) invalidates the bundle too.
          readSource(own.path, record);
          readSource(path.join(lazyRoot, 'package.json'), record);
          return { path: own.path, external: true };
        }
        if (own.errors.length === 0) return own;
        const lent = fallbacks[args.path];
        if (lent !== undefined) {
          const root = packageRoot(lent);
          if (root) record.packageRoots.add(root);
          return { path: lent };
        }
        if (inNodeModules(args.importer)) return { path: args.path, external: true };
        return own;
      });
    },
  };
  // CommonJS files the stand-in of zod's locale index requires by absolute path (see lazy-locales.ts).
  const lazyLocales = new Set<string>();
  const sources: Plugin = {
    name: 'hud-sources',
    setup(build) {
      build.onResolve({ filter: /\.cjs$/ }, (args) =>
        lazyLocales.has(args.path) ? { path: args.path, external: true } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
        const loader = LOADERS[path.extname(args.path).toLowerCase()];
        if (loader === undefined) return undefined;
        const source = readSource(args.path, record);
        if (loader === 'json') return { contents: source, loader };
        const lazy = lazyLocaleIndex(args.path, source);
        for (const file of lazy?.requires ?? []) {
          // Inputs like any bundled file: editing or replacing one rebuilds the bundle.
          readSource(file, record);
          lazyLocales.add(file);
        }
        const contents = withFileValues(lazy?.contents ?? source, args.path);
        // JavaScript only: TypeScript and JSX are compiled by the build, with the project's settings.
        if (!options.minifyPackages || loader !== 'js' || !isPackageFile(args.path)) {
          return { contents, loader };
        }
        const minified = await build.esbuild.transform(contents, {
          loader,
          target: 'node22',
          minifyWhitespace: true,
          minifySyntax: true,
          legalComments: 'none',
          sourcefile: args.path,
        });
        return { contents: minified.code, loader: 'js' };
      });
    },
  };
  return [entry, builtins, native, bare, sources];
}

/** The virtual entry's specifier. */
export const ENTRY_SPECIFIER = 'hud-child-entry';
