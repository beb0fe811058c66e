import { type ChildProcess, spawn } from 'node:child_process';
import { HudError, settleWithin } from '@hud/protocol';
import { helperProcessEnv } from './browser-process.js';

const STDERR_TAIL_BYTES = 4096;

/**
 * A daemon (Xvfb, x11vnc) started in its own process group, so stopping it also stops anything it forked.
 * Keeps the tail of its stderr for error messages.
 */
export class Daemon {
  readonly command: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<string>;
  #stderr = '';
  #stdout = '';

  private constructor(command: string, child: ChildProcess) {
    this.command = command;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`));
    });
    // Failures after spawn (a signal to a reaped pid) surface through `exited`, not as a crash.
    child.on('error', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    // Always drained: a full pipe would block the daemon.
    child.stdout?.on('data', (chunk: Buffer) => {
      this.#stdout = (this.#stdout + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
  }

  /**
   * Spawns `command args` detached (a new process group) with stdin closed, stdout piped and stderr kept,
   * and only the allow-listed variables of this process (`helperProcessEnv`: no provider keys).
   * `extraFds` adds piped file descriptors from 3 on (Xvfb's `-displayfd 3`).
   * @throws HudError `unsupported` when the program is not installed, naming the package to install.
   */
  static async spawn(
    command: string,
    args: readonly string[],
    options: { extraFds?: number; installHint: string },
  ): Promise<Daemon> {
    const extra = Array.from({ length: options.extraFds ?? 0 }, () => 'pipe' as const);
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...extra],
      env: helperProcessEnv(),
    });
    const spawned = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned !== undefined) {
      if (spawned.code === 'ENOENT') {
        throw new HudError(
          'unsupported',
          `${command} is not installed (${options.installHint}); the screen capability needs Xvfb and x11vnc`,
          { cause: spawned },
        );
      }
      throw new HudError('not_ready', `could not start ${command}: ${spawned.message}`, {
        cause: spawned,
      });
    }
    return new Daemon(command, child);
  }

  /** The process id (also the process group id). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The last few KiB of stderr. */
  get stderr(): string {
    return this.#stderr.trim();
  }

  /** Whether the process has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Waits until the daemon's output on `stream` (stdout, or a piped fd such as 3) matches `pattern`.
   * @throws HudError `not_ready` when it exits first or `timeoutMs` passes, with its stderr tail.
   */
  async waitForOutput(
    pattern: RegExp,
    options: { fd?: number; timeoutMs: number; doing: string },
  ): Promise<RegExpExecArray> {
    const stream = options.fd === undefined ? this.child.stdout : this.child.stdio[options.fd];
    let text = options.fd === undefined ? this.#stdout : '';
    let onData: ((chunk: Buffer) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) resolve(match);
        };
        onData = (chunk) => {
          text += chunk.toString('utf8');
          check();
        };
        stream?.on('data', onData);
        check();
        void this.exited.then((reason) =>
          reject(this.failure(options.doing, `exited (${reason})`)),
        );
        timer = setTimeout(
          () =>
            reject(this.failure(options.doing, `gave no sign of life in ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      if (onData) stream?.off('data', onData);
    }
  }

  /** An error saying the daemon exited (or failed) while `doing`, with its stderr tail. */
  failure(doing: string, reason: string): HudError {
    const stderr = this.stderr ? `:\n${this.stderr}` : '';
    return new HudError('not_ready', `${this.command} ${reason} while ${doing}${stderr}`);
  }

  /**
   * SIGTERM to the whole group, SIGKILL after `graceMs`, then SIGKILL to the group again for anything left.
   * Resolves once the daemon itself has exited.
   */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.running) {
      this.#signal('SIGTERM');
      if ((await settleWithin(this.exited, graceMs)) === 'timeout') this.#signal('SIGKILL');
    }
    await this.exited;
    this.#signal('SIGKILL');
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  }
}
