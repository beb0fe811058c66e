/**
 * Entry script of a {@link LocalRuntime} child:
 * `node serve-child.js <file> [--env <name>] [--exact] [--fallbacks <json>] [--bundle <entry.mjs>]
 * [--loaded-fd <fd>] [--no-file-tracking]`.
 *
 * Loads the environment, serves it on a free loopback port, writes `HUD_SERVE_PORT=<port>` on stdout (the
 * only stdout line; hud-python `serve`) and, on SIGTERM or when the parent's stdin pipe closes (the parent
 * died), closes the server (cancelling tasks and running shutdown hooks) and exits 0. Failures go to stderr
 * with exit code 1. Without `--exact` the environment named `--env` is preferred and the file's only
 * environment is the fallback.
 *
 * With `--bundle`, the environment comes from a prepared bundle of `<file>` (see bundle-cache.ts) that also
 * carries the serving API: the child requires one CommonJS file (`entry.cjs`) or imports one module graph
 * of a few files (`entry.mjs`) instead of `@hud/environment` and the file through the loader. `<file>`
 * still names the environment in messages.
 *
 * With `--loaded-fd`, the child closes that inherited file descriptor once the environment's modules are
 * loaded, before its initialize hooks run: the parent's boot gate (see boot-gate.ts) then lets the next
 * child start loading.
 *
 * It imports packages only (no relative imports), so Node can also run the `.ts` source directly.
 * @internal
 */
import type { ControlServer, Environment, selectEnvironment, serve } from '@hud/environment';

// Builtins through getBuiltinModule, not ES imports: an ES import of a builtin builds its whole namespace.
const module = process.getBuiltinModule('node:module');

// Reuse V8's compiled code across children (measured: ~30 ms less per spawn for a zod-based env); enabled
// before anything else loads, hence the dynamic imports.
module.enableCompileCache?.();

interface ChildArgs {
  file: string;
  name: string | undefined;
  exact: boolean;
  fallbacks: Record<string, string> | undefined;
  bundle: string | undefined;
  loadedFd: number | undefined;
  fileTracking: boolean;
}

/** What a child needs from `@hud/environment` (or from a bundle, which re-exports it). */
interface ServingApi {
  PORT_ANNOUNCEMENT: string;
  serve: typeof serve;
}

function parseArgs(argv: string[]): ChildArgs {
  const [file, ...rest] = argv;
  if (!file)
    throw new Error(
      'usage: serve-child <file> [--env <name>] [--exact] [--fallbacks <json>] [--bundle <entry>] [--loaded-fd <fd>] [--no-file-tracking]',
    );
  let name: string | undefined;
  let exact = false;
  let fallbacks: Record<string, string> | undefined;
  let bundle: string | undefined;
  let loadedFd: number | undefined;
  let fileTracking = true;
  for (let index = 0; index < rest.length; index++) {
    if (rest[index] === '--env') name = rest[++index];
    else if (rest[index] === '--exact') exact = true;
    else if (rest[index] === '--fallbacks') fallbacks = JSON.parse(rest[++index] ?? '{}');
    else if (rest[index] === '--bundle') bundle = rest[++index];
    else if (rest[index] === '--no-file-tracking') fileTracking = false;
    else if (rest[index] === '--loaded-fd') {
      loadedFd = Number(rest[++index]);
      if (!Number.isInteger(loadedFd)) throw new Error('serve-child: --loaded-fd needs a number');
    } else throw new Error(`serve-child: unknown argument '${rest[index]}'`);
  }
  return { file, name, exact, fallbacks, bundle, loadedFd, fileTracking };
}

/** The task's env name is a preference unless `exact`: a file declaring a single environment serves it anyway. */
async function preferring<T>(
  { name, exact }: ChildArgs,
  pick: (name: string | undefined) => Promise<T>,
): Promise<T> {
  if (exact || name === undefined) return pick(name);
  try {
    return await pick(name);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'environment_not_found') throw error;
    try {
      return await pick(undefined);
    } catch {
      throw error; // several environments, none named `name`: report the missing name
    }
  }
}

/** FNV-1a of a string, 32 bits in hex: tells code caches of differently started children apart. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Writes V8's code cache of `script` to `file` (through a temporary file and a rename); best effort. */
function saveCodeCache(script: import('node:vm').Script, file: string, replace: boolean): void {
  const fs = process.getBuiltinModule('node:fs');
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    if (!replace && fs.existsSync(file)) return; // another child saved it first
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, file);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {}
  }
}

/**
 * Runs a CommonJS bundle as `require` would (the same wrapper arguments; `require` resolves from the
 * bundle), compiled through `vm.Script` with a V8 code cache beside it:
 * `<entry>.<node version>-<arch>-<hash of execArgv>.v8cache`. Node's compile cache serializes a module's
 * code right after compiling it, before it runs, so every child compiled again each function that runs
 * lazily — zod's, the protocol's, the serving code's; this cache is made when the first child that found
 * none (or found it rejected by V8) exits, and holds every function compiled by then (measured ~15–25 ms of
 * CPU less per child). The bundle's directory is content-addressed and never rewritten, so a cache beside
 * the entry always belongs to its source; V8 checks its own version and flags.
 */
function requireBundle(file: string): unknown {
  const fs = process.getBuiltinModule('node:fs');
  const vm = process.getBuiltinModule('node:vm');
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}.${process.version}-${process.arch}-${shortHash(process.execArgv.join('\0'))}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  // The wrapper on the first line, as Node's own (the bundle's first line is its 'use strict' directive).
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    {
      filename: file,
      cachedData,
      // The bundle's `import()`s of external files (loaders) go through Node's ES module loader.
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  const rejected = script.cachedDataRejected === true;
  if (cachedData === undefined || rejected) {
    process.once('exit', () => saveCodeCache(script, cacheFile, rejected));
  }
  const bundleModule = { exports: {} as unknown };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(
    bundleModule.exports,
    bundleModule.exports,
    module.createRequire(file),
    bundleModule,
    file,
    process.getBuiltinModule('node:path').dirname(file),
  );
  return bundleModule.exports;
}

/** The environment and the API to serve it, from the bundle or through `@hud/environment`'s loader. */
async function load(args: ChildArgs): Promise<{ env: Environment; api: ServingApi }> {
  if (args.bundle === undefined) {
    const api = await import('@hud/environment');
    const { env } = await preferring(args, (name) =>
      api.loadEnvironment(args.file, { name, fallbacks: args.fallbacks }),
    );
    return { env, api };
  }
  let bundle: ServingApi & {
    envModule: Record<string, unknown>;
    selectEnvironment: typeof selectEnvironment;
  };
  try {
    // A CommonJS bundle (entry.cjs) is run as one module, no ES module graph to link.
    bundle = args.bundle.endsWith('.cjs')
      ? (requireBundle(args.bundle) as typeof bundle)
      : await import(process.getBuiltinModule('node:url').pathToFileURL(args.bundle).href);
  } catch (cause) {
    // The loader's message for the same failure (an error thrown while the file's modules evaluate).
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw Object.assign(new Error(`failed to load ${args.file}: ${detail}`, { cause }), {
      code: 'load_failed',
    });
  }
  const env = await preferring(args, async (name) =>
    bundle.selectEnvironment(bundle.envModule, args.file, name),
  );
  return { env, api: bundle };
}

let server: ControlServer | undefined;
let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Before the port is up (still loading or in initialize hooks) exit at once: daemons a hook already
  // spawned share our process group, which the parent kills.
  if (server) await server.close();
  process.exit(0);
}

process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('error', () => void stop());
process.stdin.resume();

try {
  const args = parseArgs(process.argv.slice(2));
  const { env, api } = await load(args);
  if (args.loadedFd !== undefined) {
    try {
      // Not an ES import of node:fs: its ES facade reads every export, loading fs streams (~10 ms).
      process.getBuiltinModule('node:fs').closeSync(args.loadedFd);
    } catch {}
  }
  env.warn = (message) => process.stderr.write(`warning: ${message}\n`);
  server = await api.serve(env, {
    port: 0,
    fileTracking: args.fileTracking,
    logger: {
      debug() {},
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
      error: (message) => process.stderr.write(`error: ${message}\n`),
    },
  });
  process.stdout.write(`${api.PORT_ANNOUNCEMENT}${server.port}\n`);
} catch (error) {
  // HudErrors (load failures) carry a complete message; anything else gets its stack.
  const hud = typeof (error as { code?: unknown }).code === 'string';
  const text = hud
    ? (error as Error).message
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
  // Exit once the write is flushed: stderr is a pipe, asynchronous on some platforms.
  process.stderr.write(`${text}\n`, () => process.exit(1));
}
