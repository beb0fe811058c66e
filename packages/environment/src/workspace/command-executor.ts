import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CappedOutput, exitStatus, HudError, watchCommand } from '@hud/protocol';
import type { SandboxSpec } from './sandbox.js';
import { spawnSession, terminateTree } from './session-process.js';

/** Default cap of captured stdout and of stderr for workspace commands: 1 MiB each (as `@hud/graders`). */
export const DEFAULT_WORKSPACE_OUTPUT_BYTES = 1024 * 1024;

/** Options of {@link WorkspaceCommandExecutor.run} (the `CommandRunOptions` of `@hud/graders`, plus `input`). */
export interface WorkspaceRunOptions {
  /** Directory as sessions see it (relative: from the workspace); default the workspace. */
  cwd?: string | undefined;
  /** Wall-clock limit, ms; when reached the command's whole process tree is killed. */
  timeoutMs: number;
  /** Variables on top of the workspace's environment (`HUD_*` are dropped). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Kills the command and rejects with `signal.reason` when aborted. */
  signal?: AbortSignal | undefined;
  /** Written to stdin, which is then closed (default: stdin is `/dev/null`). */
  input?: string | Uint8Array | undefined;
}

/** How a workspace command ended (the `CommandOutcome` of `@hud/graders`). */
export interface WorkspaceCommandOutcome {
  /** Exit status; `-N` when signal N killed it; `null` when it timed out. */
  exitCode: number | null;
  /** UTF-8 decoded, cut at the cap with a trailing `\n…[truncated N bytes]` marker. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs commands inside a workspace — same sandbox or launcher, environment and directory as its SSH
 * sessions, without going through SSH — with the `CommandExecutor` contract of `@hud/graders`, so
 * `new BashGrader({ executor: workspace.executor() })` grades inside the workspace. Scripts run as
 * `bash -lc <script>`, argv arrays directly.
 */
export class WorkspaceCommandExecutor {
  readonly #sandbox: () => SandboxSpec;
  readonly #env: () => Readonly<Record<string, string>>;
  readonly #maxOutputBytes: number;

  /** @internal use `Workspace.executor()`. */
  constructor(options: {
    sandbox: () => SandboxSpec;
    env: () => Readonly<Record<string, string>>;
    maxOutputBytes?: number | undefined;
  }) {
    this.#sandbox = options.sandbox;
    this.#env = options.env;
    this.#maxOutputBytes = options.maxOutputBytes ?? DEFAULT_WORKSPACE_OUTPUT_BYTES;
  }

  /**
   * Runs `command` to completion or until `options.timeoutMs`.
   * @throws HudError `not_ready` before the workspace started; `invalid_argument` for an empty argv or a
   *   working directory inside the workspace that does not exist (checked on this host, so not with a
   *   launcher: the target reports it as a failed command); the spawn error; what the workspace's launcher
   *   throws; `signal.reason` when aborted (the process tree on this host is killed).
   */
  async run(
    command: string | readonly string[],
    options: WorkspaceRunOptions,
  ): Promise<WorkspaceCommandOutcome> {
    if (typeof command !== 'string' && command.length === 0) {
      throw new HudError('invalid_argument', 'command argv must not be empty');
    }
    options.signal?.throwIfAborted();
    const sandbox = this.#sandbox();
    const cwd = path.posix.resolve(sandbox.guestPath, options.cwd ?? '.');
    // With a launcher the guest path names a directory in the target, not under `root`.
    if (sandbox.launcher === undefined) await assertDirectory(sandbox, cwd);
    const child = spawnSession(
      sandbox,
      { command, cwd, env: options.env, stdin: options.input === undefined ? 'ignore' : 'pipe' },
      this.#env(),
    );
    const stdout = new CappedOutput(this.#maxOutputBytes);
    const stderr = new CappedOutput(this.#maxOutputBytes);
    return new Promise<WorkspaceCommandOutcome>((resolve, reject) => {
      let spawnError: Error | undefined;
      let exitCode: number | null = null;
      const watch = watchCommand(() => terminateTree(child), options);
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input === undefined ? undefined : Buffer.from(options.input));
      child.on('error', (error) => {
        spawnError = error;
      });
      child.on('exit', (code, signal) => {
        exitCode = exitStatus(code, signal);
        // Background processes left running would hold the pipes open.
        terminateTree(child);
      });
      child.on('close', () => {
        watch.done();
        if (spawnError !== undefined) reject(spawnError);
        else if (options.signal?.aborted) reject(options.signal.reason);
        else {
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

/** Inside the workspace a missing directory is reported up front, as `LocalCommandExecutor` does. */
async function assertDirectory(sandbox: SandboxSpec, cwd: string): Promise<void> {
  const relative = path.posix.relative(sandbox.guestPath, cwd);
  if (relative === '..' || relative.startsWith('../') || path.posix.isAbsolute(relative)) return;
  const hostPath = path.join(sandbox.root, relative);
  const isDirectory = await stat(hostPath).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    throw new HudError('invalid_argument', `working directory does not exist: ${cwd}`);
  }
}
