import module from 'node:module';

/**
 * How `hud eval` tunes V8's heap for a long job (figures: bench/eval-memory.bench.ts, 10,000 rollouts):
 *
 * - **The young generation, capped at 8 MiB per semi-space** (it is two of them). Left alone, V8 grows each
 *   semi-space up to 64 MiB (a 64-bit machine with a large heap limit) once enough objects have survived
 *   young collections, which a long job always reaches: ~100 MB of the CLI's resident memory. V8 reads it
 *   only at start-up (`--max-semi-space-size`, a Node flag), so `hud eval` restarts itself with it.
 * - **The old generation grown by 1.5× its live size between full collections** (`--heap-growing-percent`,
 *   a V8 flag read at each collection, so set at run time) instead of up to 4×: a job's connections and
 *   timers that outlive two young collections are garbage in the old generation until the next full one,
 *   and at 4× that was another ~40 MB. A full collection of this small heap takes a few ms.
 */
export const EVAL_SEMI_SPACE_MB = 8;
/** See {@link EVAL_SEMI_SPACE_MB}: the old generation may grow to (1 + this/100) × its live size. */
export const EVAL_HEAP_GROWING_PERCENT = 50;
/**
 * V8 major versions whose `--heap-growing-percent` this was checked against (Node 22–24). Another version
 * is left alone: V8 prints an error for a flag it does not know, and its flags are not a stable interface.
 */
const GROWING_PERCENT_V8 = new Set([12, 13]);

const SEMI_SPACE_FLAG = '--max-semi-space-size';
const GROWING_FLAG = '--heap-growing-percent';

/** Whether `flags` (Node command-line flags) set `flag` already (`-` and `_` alike). */
function sets(flags: readonly string[], flag: string): boolean {
  return flags.some((given) => given.replaceAll('_', '-').startsWith(flag));
}

/** Whether `argv` (`process.argv`) runs a job: `hud eval`, not its help. */
function runsEval(argv: readonly string[]): boolean {
  const [command, ...rest] = argv.slice(2);
  return command === 'eval' && !rest.includes('--help') && !rest.includes('-h');
}

/**
 * The Node flags to restart `hud` with before it runs `argv`, or undefined to run it as it is: `hud eval`
 * (not its help) gets `--max-semi-space-size` unless the user's own Node flags or `NODE_OPTIONS` set one.
 * @param argv `process.argv` (node, script, command, …).
 * @param execArgv `process.execArgv`.
 * @param nodeOptions `process.env.NODE_OPTIONS`.
 */
export function relaunchFlags(
  argv: readonly string[],
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] | undefined {
  if (!runsEval(argv)) return undefined;
  if (sets(execArgv, SEMI_SPACE_FLAG) || sets((nodeOptions ?? '').split(/\s+/), SEMI_SPACE_FLAG)) {
    return undefined;
  }
  return [`${SEMI_SPACE_FLAG}=${EVAL_SEMI_SPACE_MB}`];
}

/**
 * The V8 flags to set at run time for `argv`: `--heap-growing-percent` for `hud eval` (not its help) on a
 * V8 it was checked against, unless the user's own Node flags set it.
 * @param v8Version `process.versions.v8`, e.g. `13.6.233.17-node.44`.
 */
export function runtimeV8Flags(
  argv: readonly string[],
  execArgv: readonly string[],
  v8Version: string,
): string[] {
  if (!runsEval(argv) || sets(execArgv, GROWING_FLAG)) return [];
  if (!GROWING_PERCENT_V8.has(Number.parseInt(v8Version, 10))) return [];
  return [`${GROWING_FLAG}=${EVAL_HEAP_GROWING_PERCENT}`];
}

/**
 * Replaces this process (same pid, stdio and environment; `process.execve`) with `node <flags> <its own
 * flags> <script> <args>` when {@link relaunchFlags} asks for flags, before anything else is loaded. V8 reads
 * its heap limits only at start-up, so a cap must come from the command line. Where `process.execve` is
 * missing (Windows; Node before 22.15) the command runs uncapped. Returns only when it did not relaunch.
 */
export function relaunchIfNeeded(): void {
  const flags = relaunchFlags(process.argv, process.execArgv, process.env.NODE_OPTIONS);
  if (!flags || typeof process.execve !== 'function') return;
  process.execve(
    process.execPath,
    [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}

/** Sets {@link runtimeV8Flags} (after {@link relaunchIfNeeded}; `node:v8` is loaded only when needed). */
export function tuneHeap(): void {
  const flags = runtimeV8Flags(process.argv, process.execArgv, process.versions.v8);
  if (flags.length === 0) return;
  const v8 = module.createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  for (const flag of flags) v8.setFlagsFromString(flag);
}
