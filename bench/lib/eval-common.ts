/**
 * Shared pieces of the `hud eval` benches (eval-*.bench.ts): the letter-count taskset they run, scratch
 * workspaces, the `hud` CLI as a child process, percentiles and `/proc` memory readings.
 *
 * The benches import the workspace packages by path (`packages/<name>/dist`), not by name: the bench
 * package does not depend on them, and `--root <repo>` points the API runner (eval-api-child.ts) at
 * another checkout, to compare a change against its base in the same run.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's root (bench/..). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** examples/letter-count/env.ts of this checkout. */
export const LETTER_COUNT_ENV = path.join(REPO, 'examples/letter-count/env.ts');
/** The `hud` CLI entry of this checkout. */
export const HUD_BIN = path.join(REPO, 'packages/cli/bin/hud.js');

const SYLLABLES = 'ba na ra sp be rr mi ss ip pi st aw ko lu'.split(' ');

/** `count` distinct made-up words of 6–12 letters, the same every time. */
export function words(count: number): string[] {
  const out: string[] = [];
  let seed = 0x9e3779b9;
  const next = () => {
    // xorshift32: exact in 32-bit integer arithmetic, so the sequence is long and the same everywhere.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const seen = new Set<string>();
  while (out.length < count) {
    const length = 3 + (next() % 4);
    let word = '';
    for (let index = 0; index < length; index++) word += SYLLABLES[next() % SYLLABLES.length];
    if (seen.has(word)) continue;
    seen.add(word);
    out.push(word);
  }
  return out;
}

/** A scratch directory: `env.ts` (a symlink to examples/letter-count/env.ts) and `tasks.jsonl`. */
export interface Workspace {
  readonly dir: string;
  readonly tasks: string;
  readonly store: string;
  /** Writes `rows` as `tasks.jsonl` (one JSON row per line); returns its path. */
  writeTasks(rows: readonly object[], name?: string): string;
  remove(): void;
}

/**
 * A scratch directory the CLI can run `hud eval <dir>/tasks.jsonl` in: the local runtime finds the
 * environment next to the tasks file (`env.ts`, symlinked to examples/letter-count/env.ts, so the file
 * served is the example itself, with the example's own node_modules and jiti cache).
 */
export function makeWorkspace(prefix = 'hud-eval-bench-'): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  symlinkSync(LETTER_COUNT_ENV, path.join(dir, 'env.ts'));
  const workspace: Workspace = {
    dir,
    tasks: path.join(dir, 'tasks.jsonl'),
    store: path.join(dir, 'jobs'),
    writeTasks(rows, name = 'tasks.jsonl') {
      const file = path.join(dir, name);
      writeFileSync(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
      return file;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return workspace;
}

/** The `p`-th percentile (0–100, nearest rank) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** VmRSS and VmHWM of a process, bytes (Linux `/proc/<pid>/status`); undefined once it is gone. */
export function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => {
    const match = text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  };
  const rss = field('VmRSS');
  if (Number.isNaN(rss)) return undefined; // a zombie has no memory lines
  return { rss, hwm: field('VmHWM') };
}

/** CPU time (user + system) of this process's waited-for children so far, ms (`/proc/self/stat`). */
export function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime, cstime (fields 16, 17)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** A finished `hud eval` run. */
export interface CliRun {
  code: number | null;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to the line `hud eval: …` on stderr/stdout (the taskset is loaded). */
  loadedMs: number | undefined;
}

/**
 * Runs `hud <args>` (this checkout's CLI, or `root`'s) to completion, timing it from spawn to exit. `onSpawn` gets the
 * child (to sample its memory); `onLoaded` fires when the CLI prints `hud eval: N tasks …`, i.e. after it
 * loaded the taskset and before the first rollout.
 */
export function runCli(
  args: readonly string[],
  options: {
    cwd?: string;
    onSpawn?(child: ChildProcess): void;
    onLoaded?(): void;
    env?: NodeJS.ProcessEnv;
    /** Run another checkout's CLI (A/B), default this one's. */
    root?: string;
  } = {},
): Promise<CliRun> {
  const bin = options.root ? path.join(options.root, 'packages/cli/bin/hud.js') : HUD_BIN;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      env: options.env ?? { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let loadedMs: number | undefined;
    const watchLoaded = (text: string) => {
      if (loadedMs === undefined && /(^|\n)hud eval: \d+ task/.test(text)) {
        loadedMs = performance.now() - started;
        options.onLoaded?.();
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      watchLoaded(stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // Keep the head (the loaded line, errors) and the tail (summary) of a long progress stream.
      stderr = stderr.length > 200_000 ? stderr.slice(0, 20_000) + stderr.slice(-100_000) : stderr;
      stderr += chunk;
      watchLoaded(stderr);
    });
    child.once('error', reject);
    options.onSpawn?.(child);
    child.once('close', (code) =>
      resolve({ code, wallMs: performance.now() - started, stdout, stderr, loadedMs }),
    );
  });
}

/**
 * Spawns `node -e ''` `total` times, `concurrency` at once (the floor under any local rollout: a process
 * started and gone). Returns spawns/s and each spawn's spawn→exit latency, ms.
 */
export async function bareSpawns(
  total: number,
  concurrency: number,
): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', () => {
        latencies.push(performance.now() - started);
        resolve();
      });
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await one();
      }
    }),
  );
  return { perSecond: total / ((performance.now() - started) / 1000), latencies };
}

/** Options of one {@link runApi} measurement (see eval-api-child.ts). */
export interface ApiOptions {
  runtime: 'local' | 'inprocess' | 'raw';
  rows: number;
  concurrency: number;
  /** A JobStore directory, or undefined for none. */
  store?: string;
  /** Another checkout to import the packages from (A/B), default this one. */
  root?: string;
  prewarm?: number;
}

/**
 * Runs one `taskset.run` (or the raw in-process baseline) in a fresh forked process (eval-api-child.ts)
 * and resolves with what it reports.
 * @throws Error when the child fails or reports nothing.
 */
export function runApi(options: ApiOptions): Promise<import('./eval-api-child.ts').ApiResult> {
  const args = [
    '--runtime',
    options.runtime,
    '--rows',
    String(options.rows),
    '--concurrency',
    String(options.concurrency),
    '--store',
    options.store ?? 'none',
  ];
  if (options.root) args.push('--root', options.root);
  if (options.prewarm !== undefined) args.push('--prewarm', String(options.prewarm));
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('eval-api-child.ts', import.meta.url)), args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: import('./eval-api-child.ts').ApiResult | undefined;
    child.on('message', (message: { type: string; result?: typeof result }) => {
      if (message.type === 'result') result = message.result;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result) resolve(result);
      else
        reject(
          new Error(`eval-api-child (${args.join(' ')}) exited ${signal ?? code} without a result`),
        );
    });
  });
}

/** The checkout named by `--against <dir>` on the command line (absolute), for A/B rows in the same run. */
export function againstCheckout(): string | undefined {
  const index = process.argv.indexOf('--against');
  return index === -1 ? undefined : path.resolve(process.argv[index + 1] ?? '');
}
