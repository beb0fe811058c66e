/**
 * Entry script of a {@link LocalRuntime} child: `node serve-child.js <file> [--env <name>] [--exact]`.
 *
 * Loads the environment, serves it on a free loopback port, writes `HUD_SERVE_PORT=<port>` on stdout (the
 * only stdout line; hud-python `serve`) and, on SIGTERM or when the parent's stdin pipe closes (the parent
 * died), closes the server (cancelling tasks and running shutdown hooks) and exits 0. Failures go to stderr
 * with exit code 1. Without `--exact` the environment named `--env` is preferred and the file's only
 * environment is the fallback.
 *
 * It imports packages only (no relative imports), so Node can also run the `.ts` source directly.
 * @internal
 */
import module from 'node:module';
import type { ControlServer } from '@hud/environment';

// Reuse V8's compiled code across children (measured: ~30 ms less per spawn for a zod-based env); enabled
// before the environment package loads, hence the dynamic import.
module.enableCompileCache?.();
const { loadEnvironment, PORT_ANNOUNCEMENT, serve } = await import('@hud/environment');

type Loaded = Awaited<ReturnType<typeof loadEnvironment>>;

interface ChildArgs {
  file: string;
  name: string | undefined;
  exact: boolean;
  fallbacks: Record<string, string> | undefined;
}

function parseArgs(argv: string[]): ChildArgs {
  const [file, ...rest] = argv;
  if (!file)
    throw new Error('usage: serve-child <file> [--env <name>] [--exact] [--fallbacks <json>]');
  let name: string | undefined;
  let exact = false;
  let fallbacks: Record<string, string> | undefined;
  for (let index = 0; index < rest.length; index++) {
    if (rest[index] === '--env') name = rest[++index];
    else if (rest[index] === '--exact') exact = true;
    else if (rest[index] === '--fallbacks') fallbacks = JSON.parse(rest[++index] ?? '{}');
    else throw new Error(`serve-child: unknown argument '${rest[index]}'`);
  }
  return { file, name, exact, fallbacks };
}

async function load({ file, name, exact, fallbacks }: ChildArgs): Promise<Loaded> {
  if (exact || name === undefined) return loadEnvironment(file, { name, fallbacks });
  try {
    return await loadEnvironment(file, { name, fallbacks });
  } catch (error) {
    // The task's env name is a preference: a file declaring a single environment serves it anyway.
    if ((error as { code?: unknown }).code !== 'environment_not_found') throw error;
    try {
      return await loadEnvironment(file, { fallbacks });
    } catch {
      throw error; // several environments, none named `name`: report the missing name
    }
  }
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
  const { env } = await load(parseArgs(process.argv.slice(2)));
  env.warn = (message) => process.stderr.write(`warning: ${message}\n`);
  server = await serve(env, {
    port: 0,
    logger: {
      debug() {},
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
      error: (message) => process.stderr.write(`error: ${message}\n`),
    },
  });
  process.stdout.write(`${PORT_ANNOUNCEMENT}${server.port}\n`);
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
