import { chmodSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

/** The files `hud build` writes into `<project>/.hud/build/` (the image's `/app`). */
export const BuildFiles = {
  /** The environment and its dependencies in one ES module; serves on 0.0.0.0:8765. */
  server: 'server.mjs',
  /** The `hud` CLI in one ES module. */
  cli: 'hud.mjs',
  /** A shell shim running `hud.mjs`, for the image's PATH. */
  shim: 'hud',
} as const;

/** Where the image expects the files (`COPY .hud/build/ /app/`). */
export const IMAGE_APP_DIR = '/app';

/** The CLI package's own directory (dist/docker/bundle.js → the package root). */
function cliPackageDir(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/**
 * Directories bare imports fall back to when the project cannot resolve them itself (a project that does
 * not install `@hud/*`, like a loose env file under `hud serve`): the CLI's own dependencies, then those of
 * the `@hud/environment` it uses (e.g. the MCP SDK, ssh2).
 */
function fallbackDirs(): string[] {
  const dirs = [cliPackageDir()];
  try {
    const require = createRequire(path.join(cliPackageDir(), 'package.json'));
    const environmentEntry = realpathSync(require.resolve('@hud/environment'));
    dirs.push(path.dirname(environmentEntry));
  } catch {
    // Not resolvable from the CLI: the project must bring its own.
  }
  return dirs;
}

/** Resolves bare imports the importer cannot resolve from the {@link fallbackDirs}. */
function fallbackPlugin(): Plugin {
  const dirs = fallbackDirs();
  return {
    name: 'hud-fallbacks',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.hudFallback || args.path.startsWith('node:')) return undefined;
        const options = {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { hudFallback: true },
        };
        const own = await build.resolve(args.path, options);
        if (own.errors.length === 0) return own;
        for (const resolveDir of dirs) {
          const lent = await build.resolve(args.path, { ...options, resolveDir });
          if (lent.errors.length === 0) return lent;
        }
        // A package's optional dependency that is not installed (ws's bufferutil, ssh2's cpu-features):
        // such imports sit in try/catch, so leave them to fail at run time. The project's own unresolvable
        // imports still fail the build.
        if (args.importer.split(path.sep).includes('node_modules')) {
          return { path: args.path, external: true };
        }
        return own;
      });
    },
  };
}

/**
 * The CLI reads its version from `../package.json` beside its module, which a one-file bundle does not
 * have: the bundle gets the version as a constant instead.
 */
function cliVersionPlugin(): Plugin {
  const versionModule = realpathSync(fileURLToPath(new URL('../version.js', import.meta.url)));
  return {
    name: 'hud-cli-version',
    setup(build) {
      build.onLoad({ filter: /[\\/]version\.js$/ }, async (args) => {
        if (realpathSync(args.path) !== versionModule) return undefined;
        const { CLI_VERSION } = await import('../version.js');
        return {
          contents: `export const CLI_VERSION = ${JSON.stringify(CLI_VERSION)};`,
          loader: 'js',
        };
      });
    },
  };
}

/**
 * CommonJS dependencies bundled into an ES module still call `require` for builtins and read `__dirname`
 * (ssh2 looks for its native addon there): the banner provides them, `define` maps the free identifiers
 * (modules declaring their own keep theirs).
 */
const CJS_SHIMS = {
  banner:
    "import { createRequire as __hudCreateRequire } from 'node:module';\n" +
    "import { dirname as __hudPathDirname } from 'node:path';\n" +
    "import { fileURLToPath as __hudFileURLToPath } from 'node:url';\n" +
    'const require = __hudCreateRequire(import.meta.url);\n' +
    'const __hudFilename = __hudFileURLToPath(import.meta.url);\n' +
    'const __hudDirname = __hudPathDirname(__hudFilename);',
  define: { __dirname: '__hudDirname', __filename: '__hudFilename' },
};

/** The entry that serves the bundled environment, as serve-child does for the local runtime. */
function serverEntry(envFile: string, envName: string): string {
  return `import * as envModule from ${JSON.stringify(envFile)};
import { Environment, PORT_ANNOUNCEMENT, serve } from '@hud/environment';

// Which Environment to serve: HUD_ENV (export name or env name), else the one hud build recorded.
const wanted = process.env.HUD_ENV || ${JSON.stringify(envName)};
const found = [...new Set(Object.values(envModule).filter((value) => Environment.isInstance(value)))];
const env = found.find((candidate) => candidate.name === wanted || envModule[wanted] === candidate) ??
  (found.length === 1 ? found[0] : undefined);
if (!env) {
  process.stderr.write('hud: no Environment named ' + JSON.stringify(wanted) + ' in the bundle\\n');
  process.exit(1);
}
const log = (level) => (message) => process.stderr.write('[hud ' + level + '] ' + message + '\\n');
env.warn = log('warn');
// 0.0.0.0 inside the container: the engine publishes the port on the host's 127.0.0.1 only
// (hud eval, hud debug), which is why no token is required. Set HUD_SERVE_TOKEN to require one anyway.
const token = process.env.HUD_SERVE_TOKEN || undefined;
let server;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  if (server) await server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
try {
  server = await serve(env, {
    host: process.env.HUD_HOST || '0.0.0.0',
    port: Number(process.env.HUD_PORT || 8765),
    token,
    insecure: token === undefined,
    logger: { debug() {}, warn: log('warn'), error: log('error') },
  });
  process.stdout.write(PORT_ANNOUNCEMENT + server.port + '\\n');
} catch (error) {
  process.stderr.write((error && error.stack) || String(error));
  process.stderr.write('\\n', () => process.exit(1));
}
`;
}

/** What {@link bundleProject} produced. */
export interface BundleResult {
  /** Absolute paths of the files written. */
  readonly files: readonly string[];
  /** Bytes of the server bundle. */
  readonly serverBytes: number;
  /** Bytes of the CLI bundle. */
  readonly cliBytes: number;
}

/**
 * Writes the self-contained image payload into `outDir`: the environment file and everything it imports
 * (`@hud/*` included, resolved from the project or else from this CLI) bundled by esbuild into
 * `server.mjs` with an entry that serves it on `0.0.0.0:8765`; the CLI bundled into `hud.mjs`; and a `hud`
 * shim. Only `node:` builtins stay external, so the image needs nothing but `node`.
 * @throws esbuild's error (naming the file and line) when the environment does not bundle.
 */
export async function bundleProject(options: {
  envFile: string;
  envName: string;
  outDir: string;
}): Promise<BundleResult> {
  const { build } = await import('esbuild');
  mkdirSync(options.outDir, { recursive: true });
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: CJS_SHIMS.banner },
    define: CJS_SHIMS.define,
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
    // Paths in the output's comments are relative to this: the same project bundles to the same bytes
    // whatever the caller's directory, so an unchanged project rebuilds from the layer cache.
    absWorkingDir: path.dirname(options.envFile),
    // Native addons cannot be bundled; the packages shipping them load them in try/catch (ssh2).
    external: ['*.node'],
    plugins: [fallbackPlugin()],
  };
  const server = path.join(options.outDir, BuildFiles.server);
  const cli = path.join(options.outDir, BuildFiles.cli);
  const [serverResult, cliResult] = await Promise.all([
    build({
      ...common,
      stdin: {
        contents: serverEntry(options.envFile, options.envName),
        resolveDir: path.dirname(options.envFile),
        sourcefile: 'hud-serve-entry.mjs',
        loader: 'js',
      },
      outfile: server,
    }),
    build({
      ...common,
      entryPoints: [fileURLToPath(new URL('../bin.js', import.meta.url))],
      outfile: cli,
      plugins: [fallbackPlugin(), cliVersionPlugin()],
      // esbuild runs a native binary: hud build does not work inside the image.
      external: ['esbuild', '*.node'],
    }),
  ]);
  const shim = path.join(options.outDir, BuildFiles.shim);
  writeFileSync(shim, `#!/bin/sh\nexec node ${IMAGE_APP_DIR}/${BuildFiles.cli} "$@"\n`);
  chmodSync(shim, 0o755);
  const bytes = (result: { metafile?: Metafile }) =>
    Object.values(result.metafile?.outputs ?? {}).reduce((sum, output) => sum + output.bytes, 0);
  return {
    files: [server, cli, shim],
    serverBytes: bytes(serverResult),
    cliBytes: bytes(cliResult),
  };
}
