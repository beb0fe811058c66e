/**
 * Runs a grader's command somewhere: on this host ({@link LocalCommandExecutor}) or, later, inside a
 * workspace capability. `command` is a script (run as `/bin/bash -lc <script>`) or an argv array (run
 * directly, no shell).
 */
export interface CommandExecutor {
  /**
   * Runs `command` to completion or until `options.timeoutMs`, whichever comes first.
   * @throws GraderError `cwd_not_found` / `command_not_found` / `spawn_failed` when it cannot start;
   *   rejects with `options.signal.reason` when aborted.
   */
  run(command: string | readonly string[], options: CommandRunOptions): Promise<CommandOutcome>;
}

/** Options of {@link CommandExecutor.run}. */
export interface CommandRunOptions {
  /** Working directory; default: the executor's (for the local executor, this process's cwd). */
  cwd?: string | undefined;
  /** Wall-clock limit in milliseconds; when reached the whole process group is killed. */
  timeoutMs: number;
  /** Variables set for this command on top of the executor's base environment. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Kills the command and rejects with `signal.reason` when aborted. */
  signal?: AbortSignal | undefined;
}

/** How a command ended. */
export interface CommandOutcome {
  /**
   * Exit status; `-N` when killed by signal N (as Python's `returncode`); `null` when it timed out.
   */
  exitCode: number | null;
  /** Captured output, UTF-8 decoded (invalid bytes → U+FFFD), cut at the executor's cap with a marker. */
  stdout: string;
  stderr: string;
  /** True when the timeout killed it. */
  timedOut: boolean;
}
