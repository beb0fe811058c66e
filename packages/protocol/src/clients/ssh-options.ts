import { brandedError } from '../branded-error.js';

/** The protocol id of shell workspaces (hud-python 0.6.16 `Capability.ssh`, spec §3.2). */
export const SSH_PROTOCOL = 'ssh/2';

/** Default cap of captured stdout and of captured stderr per command: 32 MiB each. */
export const DEFAULT_SSH_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/** A pseudo-terminal request: terminal type and window size in characters. */
export interface SshPty {
  /** Default `xterm-256color`. */
  term?: string;
  /** Default 80. */
  cols?: number;
  /** Default 24. */
  rows?: number;
}

/** Options of {@link SshClient.exec}. */
export interface SshExecOptions {
  /**
   * Wall-clock limit in milliseconds (default: none). When it passes the remote command gets `TERM` and its
   * channel is closed (a hud-ts workspace then ends the command's whole process tree); the result has
   * `timedOut: true` and the output received so far.
   */
  timeoutMs?: number;
  /**
   * Run under a pseudo-terminal (stdout and stderr then arrive merged on `stdout`, with `\r\n` line ends).
   * Default false.
   */
  pty?: boolean | SshPty;
  /** Directory to run in (`cd` before the command); default the workspace's directory. */
  cwd?: string;
  /** Variables exported before the command (names must be shell identifiers). */
  env?: Readonly<Record<string, string>>;
  /** Bytes written to the command's stdin, which is then closed (default: stdin closed at once). */
  input?: string | Uint8Array;
  /** Aborting kills the remote command like a timeout and rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Cap of captured stdout and of stderr, bytes; the rest is counted and marked. Default 32 MiB. */
  maxOutputBytes?: number;
}

/** How a remote command ended. */
export interface SshExecResult {
  /** UTF-8 decoded; cut at `maxOutputBytes` with a trailing `\n…[truncated N bytes]` marker. */
  stdout: string;
  stderr: string;
  /** Exit status; `-N` when a signal N ended it (as Python's `returncode`); `null` when it timed out. */
  exitCode: number | null;
  timedOut: boolean;
}

/** A file helper's command (`cat`, `ls`) failed remotely: carries its exit status and stderr. */
export class SshCommandError extends brandedError('SshCommandError', 'hud.ssh-command-error') {
  readonly code = 'command_failed';
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(command: string, result: SshExecResult) {
    const why = result.timedOut ? 'timed out' : `exited with ${result.exitCode}`;
    super(
      `remote command ${JSON.stringify(command)} ${why}: ${result.stderr.trim() || '(no stderr)'}`,
    );
    this.command = command;
    this.exitCode = result.exitCode;
    this.stderr = result.stderr;
  }
}

/** `text` as one POSIX shell word: single-quoted, with embedded `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
