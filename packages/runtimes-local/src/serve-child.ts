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
    // A CommonJS bundle (entry.cjs) is required: one module, no ES module graph to link.
    bundle = args.bundle.endsWith('.cjs')
      ? module.createRequire(args.bundle)(args.bundle)
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
