import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobMeta, RunRecord } from '@hud/eval';
import type { TraceStep } from '@hud/protocol';
import { expect } from 'vitest';
import { type HudRun, runHud } from './run-hud.js';
import { HUD_BIN, REPO_ROOT } from './served-env.js';

/** The `hud eval` fixtures (see `__fixtures__/eval/README.md`). */
export const EVAL_FIXTURES = fileURLToPath(new URL('../__fixtures__/eval/', import.meta.url));

/**
 * Scratch root of the eval tests: inside the package (so copies resolve `@hud/*` and `zod` from its
 * node_modules), ignored by git (`.scratch/`) and tsc (a dot directory), and not the `.scratch/` that
 * other test files wipe when they end.
 */
export const EVAL_SCRATCH = path.join(EVAL_FIXTURES, '.scratch');

/** The taskset file of `examples/<name>`. */
export function exampleTasks(name: string): string {
  return path.join(REPO_ROOT, 'examples', name, 'tasks.ts');
}

export const LETTER_COUNT = exampleTasks('letter-count');
export const WORD_STATS = exampleTasks('word-stats');
export const CODING_FIX = exampleTasks('coding-fix');
export const MCP_TOOLS = exampleTasks('mcp-tools');

// The directories this test file made: vitest loads this module once per test file, and files run in
// parallel, so each file removes only its own (wiping the shared root broke files still running).
const made: string[] = [];

/** A fresh, uniquely named directory under {@link EVAL_SCRATCH}. */
export function scratchDir(label: string): string {
  const directory = path.join(EVAL_SCRATCH, `${label}-${randomBytes(4).toString('hex')}`);
  mkdirSync(directory, { recursive: true });
  made.push(directory);
  return directory;
}

/** Copies fixture directory `name` into a fresh scratch directory and returns the copy's path. */
export function stageFixture(name: string): string {
  const directory = scratchDir(name);
  cpSync(path.join(EVAL_FIXTURES, name), directory, { recursive: true });
  return directory;
}

/** Removes the scratch directories this test file made (call from `afterAll`). */
export function removeScratch(): void {
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
}

/** A process found in the process table. */
export interface ProcessEntry {
  pid: number;
  command: string;
}

/** Every live process (other than this one) whose command line contains `marker` (Linux `/proc`). */
export function processesMentioning(marker: string): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue; // gone meanwhile
    }
    // A zombie has an empty command line: it is dead, waiting to be reaped.
    if (command.includes(marker)) found.push({ pid: Number(name), command });
  }
  return found;
}

/**
 * The processes still mentioning `marker` after a short grace (a SIGKILLed process takes a moment to
 * leave the table); empty when none remains. Kills what it reports, so one failure does not leak into
 * later tests.
 */
export async function leftoverProcesses(marker: string, graceMs = 2_000): Promise<ProcessEntry[]> {
  const deadline = Date.now() + graceMs;
  let found = processesMentioning(marker);
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = processesMentioning(marker);
  }
  for (const entry of found) {
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {}
  }
  return found;
}

/** The job id a `hud eval` run printed (`job <32 hex>` in its summary line). */
export function jobIdOf(output: string): string {
  const match = /\bjob ([0-9a-f]{32})\b/.exec(output);
  if (!match) throw new Error(`no job id in the output:\n${output}`);
  return match[1] as string;
}

/** What `hud eval --json` prints as its last line (the fields these tests read). */
export interface EvalSummary {
  job_id: string;
  /** `<store root>/<job id>`. */
  store: string;
  reward: number;
  runs: number;
  verdicts: number;
  errors: number;
  tasks: Array<{ slug: string; runs: number; reward: number }>;
  failures: Array<{ slug: string; error: string }>;
}

/** The job ids in a store (its directories). */
export function jobIds(store: string): string[] {
  return existsSync(store) ? readdirSync(store) : [];
}

function jsonLines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line);
      } catch (error) {
        throw new Error(`${file} line ${index + 1} is not JSON: ${(error as Error).message}`);
      }
    });
}

/** `job.json` of a job. */
export function readJobMeta(store: string, jobId: string): JobMeta {
  return JSON.parse(readFileSync(path.join(store, jobId, 'job.json'), 'utf8')) as JobMeta;
}

/** Every line of a job's `runs.jsonl`, parsed strictly (a torn line fails). */
export function readRunLines(store: string, jobId: string): RunRecord[] {
  return jsonLines(path.join(store, jobId, 'runs.jsonl')) as RunRecord[];
}

/** The steps of `traces/<traceId>.jsonl`, parsed strictly. */
export function readTraceSteps(store: string, jobId: string, traceId: string): TraceStep[] {
  return jsonLines(path.join(store, jobId, 'traces', `${traceId}.jsonl`)) as TraceStep[];
}

/**
 * Each run of `runs.jsonl` with its trace's steps (`traces/<trace_id>.jsonl`, parsed strictly: a missing
 * file or a torn line fails).
 */
export function recordedRuns(
  store: string,
  jobId: string,
): { run: RunRecord; steps: TraceStep[] }[] {
  return readRunLines(store, jobId).map((run) => ({
    run,
    steps: readTraceSteps(store, jobId, run.trace_id),
  }));
}

/** The run of `runs` for `slug` (the only one). */
export function runOf(runs: readonly RunRecord[], slug: string): RunRecord {
  const matching = runs.filter((run) => run.slug === slug);
  if (matching.length !== 1)
    throw new Error(`expected one run of '${slug}', found ${matching.length}`);
  return matching[0] as RunRecord;
}

/**
 * `process.env` without `NODE_PATH`. pnpm's bin shims (the one that starts vitest included) point it at the
 * workspace's hoisted packages, where every `@hud/*` and `zod` resolve: a child inheriting it finds them
 * from any directory, which would hide whether the CLI's module fallbacks work. A user's shell has none.
 */
export function envWithoutNodePath(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  return env;
}

/** {@link runHud} with {@link envWithoutNodePath}: resolution as in a user's shell. */
export function runHudWithoutNodePath(
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<HudRun> {
  return runHud(args, { ...options, env: envWithoutNodePath() });
}

/**
 * Asserts `hud eval <tasks> <agent> --all` (a scratch store, module resolution as in a user's shell) exits 0
 * with a mean reward of `reward` (as printed, e.g. `'1.000'`) over `runs` graded runs.
 */
export async function expectExampleReward(
  tasks: string,
  agent: string,
  reward: string,
  runs: number,
): Promise<void> {
  const store = scratchDir(`${agent}-store`);
  const run = await runHudWithoutNodePath(['eval', tasks, agent, '--all', '--store', store], {
    timeoutMs: 120_000,
  });
  expect(run.code, run.stderr).toBe(0);
  const summary = /reward (\d\.\d{3}) over (\d+) graded runs/.exec(run.stdout);
  expect(summary?.slice(1)).toEqual([reward, String(runs)]);
}

/** A `hud` child process the test drives itself (to signal it mid-job). */
export interface HudProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr matches `pattern`; rejects on exit first or after `timeoutMs`. */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** The exit code (null when a signal killed it) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** {@link exited}, or `'deadline'` when the CLI is still running after `ms` (a deadline, not a timing claim). */
  exitWithin(
    ms: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'deadline'>;
  /** SIGKILLs the CLI if it is still running (test cleanup). */
  kill(): void;
}

/** Spawns `node packages/cli/dist/bin.js …args` with piped output. */
export function spawnHud(args: string[], options: { cwd?: string } = {}): HudProcess {
  const child = spawn(process.execPath, [HUD_BIN, ...args], {
    cwd: options.cwd,
    env: envWithoutNodePath(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async exitWithin(ms) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), ms);
      });
      try {
        return await Promise.race([exited, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
    waitForStderr(pattern, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (pattern.test(stderr)) done();
        };
        const timer = setTimeout(
          () => done(new Error(`stderr did not match ${pattern} in ${timeoutMs} ms:\n${stderr}`)),
          timeoutMs,
        );
        listeners.add(check);
        void exited.then(({ code, signal }) =>
          done(
            new Error(
              `hud exited (${signal ?? code}) before stderr matched ${pattern}:\n${stderr}`,
            ),
          ),
        );
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A `hud eval` of the `sleepy` fixture stopped by a signal after its first finished run. */
export interface InterruptedJob {
  /** The staged copy of the fixture, its taskset and the job's store. */
  dir: string;
  source: string;
  store: string;
  hud: HudProcess;
  /** How the CLI exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Stages the `sleepy` fixture (4 tasks), starts `hud eval <its tasks.ts> <agent> --all --max-concurrent 1 -v`
 * into a scratch store, sends `signal` once the first run passed (`✓ nap-…` on stderr) and waits for the exit.
 * @throws Error when no run passes within 30 s (the CLI is killed then).
 */
export async function interruptedSleepyJob(
  agent: string,
  signal: NodeJS.Signals,
): Promise<InterruptedJob> {
  const dir = stageFixture('sleepy');
  const source = path.join(dir, 'tasks.ts');
  const store = scratchDir('store');
  const args = ['eval', source, agent, '--all', '--max-concurrent', '1', '-v', '--store', store];
  const hud = spawnHud(args);
  try {
    await hud.waitForStderr(/^✓ nap-/m, 30_000);
    hud.child.kill(signal);
    return { dir, source, store, hud, exit: await hud.exited };
  } finally {
    hud.kill();
  }
}

/** Writes a measured figure to the test output (the lint rules allow no console.info). */
export function report(line: string): void {
  process.stderr.write(`[eval e2e] ${line}\n`);
}
