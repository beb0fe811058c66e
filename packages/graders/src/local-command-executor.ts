import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { CappedOutput, exitStatus, watchCommand } from '@hud/protocol';
import type { CommandExecutor, CommandOutcome, CommandRunOptions } from './command-executor.js';
import { GraderError } from './errors.js';

/** Default cap of captured stdout and of captured stderr: 1 MiB each. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Options of {@link LocalCommandExecutor}. */
export interface LocalCommandExecutorOptions {
  /**
   * Base environment of every command; default: this process's environment without `HUD_*` variables
   * (hud-python passes its whole environment, `HUD_API_KEY` included; we do not).
   */
  baseEnv?: Readonly<Record<string, string | undefined>> | undefined;
  /** Cap of captured stdout and of stderr, in bytes; default {@link DEFAULT_MAX_OUTPUT_BYTES} (1 MiB). */
  maxOutputBytes?: number | undefined;
  /** Shell that runs script commands as `<shell> -lc <script>`; default `/bin/bash` (as hud-python). */
  shell?: string | undefined;
}

function withoutHudVariables(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !key.startsWith('HUD_')) out[key] = value;
  }
  return out;
}

async function assertDirectory(cwd: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(cwd)).isDirectory();
  } catch (error) {
    throw new GraderError('cwd_not_found', `working directory does not exist: ${cwd}`, {
      cause: error,
    });
  }
  if (!isDirectory) {
    throw new GraderError('cwd_not_found', `working directory is not a directory: ${cwd}`);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Runs commands as child processes of this host, each in its own process group (`detached`, i.e.
 * `setsid`), with stdin from `/dev/null` and stdout/stderr captured up to a cap. On timeout or abort the
 * whole group gets SIGKILL; when the command exits, processes it left running in its group are killed too,
 * so background children cannot hold the grader open. POSIX only (process groups).
 */
export class LocalCommandExecutor implements CommandExecutor {
  readonly #baseEnv: Readonly<Record<string, string | undefined>> | undefined;
  readonly #maxOutputBytes: number;
  readonly #shell: string;

  constructor(options: LocalCommandExecutorOptions = {}) {
    this.#baseEnv = options.baseEnv;
    this.#maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.#shell = options.shell ?? '/bin/bash';
  }

  /**
   * Runs `command` (a script via `<shell> -lc`, or an argv array directly).
   * @throws GraderError `cwd_not_found` (cwd missing or not a directory), `command_not_found` (the shell or
   *   `argv[0]` does not exist), `spawn_failed` (any other spawn error), `invalid_argument` (empty argv);
   *   rejects with `signal.reason` when aborted.
   */
  async run(
    command: string | readonly string[],
    options: CommandRunOptions,
  ): Promise<CommandOutcome> {
    const [file, args] =
      typeof command === 'string'
        ? [this.#shell, ['-lc', command]]
        : [command[0], command.slice(1)];
    if (!file) throw new GraderError('invalid_argument', 'command argv must not be empty');
    options.signal?.throwIfAborted();
    if (options.cwd !== undefined) await assertDirectory(options.cwd);
    // Read here, not at import: the environment is whatever the host has when the command runs.
    const base = withoutHudVariables(this.#baseEnv ?? process.env);
    const env = { ...base, ...options.env };
    return new Promise<CommandOutcome>((resolve, reject) => {
      const stdout = new CappedOutput(this.#maxOutputBytes);
      const stderr = new CappedOutput(this.#maxOutputBytes);
      const child = spawn(file, args, {
        cwd: options.cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let spawnError: Error | undefined;
      let exitCode: number | null = null;
      const watch = watchCommand(() => killGroup(child.pid), options);

      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) => {
        spawnError = error;
      });
      child.on('exit', (code, signal) => {
        exitCode = exitStatus(code, signal);
        killGroup(child.pid);
      });
      child.on('close', () => {
        watch.done();
        if (spawnError) {
          reject(spawnFailure(spawnError, file));
        } else if (options.signal?.aborted) {
          reject(options.signal.reason);
        } else {
          resolve({
            exitCode: watch.timedOut ? null : exitCode,
            stdout: stdout.text(),
            stderr: stderr.text(),
            timedOut: watch.timedOut,
          });
        }
      });
    });
  }
}

function spawnFailure(error: Error, file: string): GraderError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new GraderError('command_not_found', `${file} not found`, { cause: error });
  }
  return new GraderError('spawn_failed', `could not start ${file}: ${error.message}`, {
    cause: error,
  });
}
