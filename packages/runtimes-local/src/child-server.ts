import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { PORT_ANNOUNCEMENT } from '@hud/environment';
import { settleWithin } from '@hud/protocol';
import type { BootGate, BootTicket } from './boot-gate.js';
import { LocalRuntimeError } from './errors.js';
import { OutputTail, type TimedLine, TimedLines } from './output-tail.js';

/** How a child process ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What {@link ChildServer.spawn} needs. */
export interface ChildServerOptions {
  /** Absolute path of the environment file. */
  file: string;
  /** Environment name passed as `--env` (preferred, or required with `exact`). */
  name: string | undefined;
  exact: boolean;
  /** The entry script (`serve-child.js`). */
  entry: string;
  nodePath: string;
  execArgv: readonly string[];
  cwd: string;
  /** The child's environment variables (undefined: inherit). */
  envVars: NodeJS.ProcessEnv | undefined;
  /** Deadline for the port announcement, ms from spawn. */
  readyTimeoutMs: number;
  /** SIGTERM → SIGKILL grace on stop, ms. */
  killGraceMs: number;
  /** Packages lent to an env file that cannot resolve them (passed as `--fallbacks <json>`). */
  fallbacks?: Readonly<Record<string, string>>;
  /** Whether a workspace publishes `filetracking/1` (false passes `--no-file-tracking`; default true). */
  fileTracking?: boolean;
  /** A prepared bundle of `file` to serve instead of loading it (passed as `--bundle <entry>`). */
  bundle?: string;
  /**
   * Bounds concurrent boots: the process is spawned when the gate gives it a turn, and leaves the gate
   * once its environment's modules are loaded (the child closes its fd 3, before the initialize hooks), or
   * when it is ready, exits or is stopped. Without a gate it is spawned at once.
   */
  gate?: BootGate;
  /** Called with the pid once the process is spawned (with a gate that may be after {@link ChildServer.spawn}). */
  onSpawn?: (pid: number) => void;
}

const describeExit = (exit: ChildExit): string =>
  exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;

const withOutput = (message: string, output: string): string =>
  output ? `${message}\n--- last output of the environment process ---\n${output}` : message;

/**
 * One child process serving an environment file (hud-python `SubprocessRuntime`'s substrate): spawned as
 * its own process group, ready when it prints `HUD_SERVE_PORT=<port>`, drained into a bounded
 * {@link OutputTail}, and stopped with SIGTERM to the group then SIGKILL after a grace period.
 * @internal
 */
export class ChildServer {
  readonly #options: ChildServerOptions;
  #child: ChildProcess | undefined;
  /** Queued in the boot gate, not spawned yet. */
  #ticket: BootTicket | undefined;
  /** The gate this child holds a turn of, until loaded. */
  #inGate: BootGate | undefined;
  #settleReady!: (port: number | Error) => void;
  #settleExit!: (exit: ChildExit) => void;
  readonly #tail = new OutputTail();
  readonly #log = new TimedLines();
  readonly #died = new AbortController();
  readonly ready: Promise<number>;
  readonly exited: Promise<ChildExit>;
  #port: number | undefined;
  #exit: ChildExit | undefined;
  #stopping: Promise<ChildExit> | undefined;

  private constructor(options: ChildServerOptions) {
    this.#options = options;
    this.ready = new Promise<number>((resolve, reject) => {
      this.#settleReady = (value) => (typeof value === 'number' ? resolve(value) : reject(value));
    });
    // Pooled children may fail while nobody awaits them; the failure is reported to whoever takes them.
    this.ready.catch(() => {});
    this.exited = new Promise((resolve) => {
      this.#settleExit = resolve;
    });
    if (options.gate) {
      const gate = options.gate;
      let started = false;
      const ticket = gate.enter(() => {
        started = true;
        this.#ticket = undefined;
        this.#inGate = gate;
        this.#start();
      });
      if (!started) this.#ticket = ticket;
    } else {
      this.#start();
    }
  }

  /** Leaves the boot gate, once (loaded, ready, exited, failed or stopped). */
  #leaveGate(): void {
    const gate = this.#inGate;
    this.#inGate = undefined;
    gate?.leave();
  }

  #start(): void {
    const options = this.#options;
    const settleReady = (value: number | Error) => {
      this.#leaveGate();
      this.#settleReady(value);
    };
    const settleExit = (exit: ChildExit) => {
      this.#leaveGate();
      this.#settleExit(exit);
    };
    const args = [...options.execArgv, options.entry, options.file];
    if (options.name !== undefined) args.push('--env', options.name);
    if (options.exact) args.push('--exact');
    if (options.fallbacks && Object.keys(options.fallbacks).length > 0) {
      args.push('--fallbacks', JSON.stringify(options.fallbacks));
    }
    if (options.bundle !== undefined) args.push('--bundle', options.bundle);
    if (options.fileTracking === false) args.push('--no-file-tracking');
    if (options.gate) args.push('--loaded-fd', '3');
    let child: ChildProcess;
    try {
      child = spawn(options.nodePath, args, {
        cwd: options.cwd,
        env: options.envVars,
        // Own process group, so stop() reaches daemons the environment started.
        detached: true,
        // stdin stays open: the child exits when it closes, so a crashed parent leaves no orphan. With a
        // gate, fd 3 is a pipe the child closes once its modules are loaded.
        stdio: options.gate ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
      });
    } catch (cause) {
      settleReady(this.#spawnFailed(cause));
      settleExit({ code: null, signal: null });
      return;
    }
    this.#child = child;
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const loaded = child.stdio[3] as Readable | null | undefined;
    if (loaded) {
      loaded.on('error', () => {});
      loaded.once('close', () => this.#leaveGate());
      loaded.resume();
    }

    const timer = setTimeout(() => {
      settleReady(
        new LocalRuntimeError(
          'not_ready',
          withOutput(
            `environment process ${child.pid} for ${options.file} did not print ${PORT_ANNOUNCEMENT}<port> within ${options.readyTimeoutMs} ms and was killed; check its initialize hooks, or raise readyTimeoutMs if they are just slow`,
            this.#tail.text(),
          ),
          { output: this.#tail.text() },
        ),
      );
      void this.stop();
    }, options.readyTimeoutMs);

    child.stdin?.on('error', () => {});
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const lines = this.#tail.write('stdout', chunk);
      this.#log.add('stdout', lines);
      for (const line of lines) {
        if (this.#port === undefined && line.startsWith(PORT_ANNOUNCEMENT)) {
          const port = Number(line.slice(PORT_ANNOUNCEMENT.length).trim());
          if (Number.isInteger(port) && port > 0 && port < 65536) {
            this.#port = port;
            clearTimeout(timer);
            settleReady(port);
          }
        }
      }
    });
    child.stderr?.on('data', (chunk: string) =>
      this.#log.add('stderr', this.#tail.write('stderr', chunk)),
    );
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.on('end', () => {
        const rest = this.#tail.end(stream);
        if (rest !== undefined) this.#log.add(stream, [rest]);
      });
    }

    const streamsClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.once('error', (cause) => {
      // Spawn failures (ENOENT, EACCES) arrive here without a pid; later errors (kill) are irrelevant.
      if (child.pid !== undefined) return;
      clearTimeout(timer);
      settleReady(this.#spawnFailed(cause));
      this.#exit = { code: null, signal: null };
      settleExit(this.#exit);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      this.#leaveGate();
      const exit: ChildExit = { code, signal };
      this.#exit = exit;
      // Give the pipes a moment to deliver the last lines (a crash message) before reporting.
      let grace: NodeJS.Timeout | undefined;
      void Promise.race([
        streamsClosed,
        new Promise<void>((resolve) => {
          grace = setTimeout(resolve, 500);
        }),
      ]).then(() => {
        clearTimeout(grace);
        const output = this.#tail.text();
        if (this.#port === undefined && this.#stopping) {
          settleReady(
            new LocalRuntimeError(
              'closed',
              `environment process for ${options.file} was stopped before it was ready`,
              { output },
            ),
          );
        } else if (this.#port === undefined) {
          settleReady(
            new LocalRuntimeError(
              'exited_early',
              withOutput(
                `environment process for ${options.file}${options.name ? ` (env '${options.name}')` : ''} exited with ${describeExit(exit)} before printing ${PORT_ANNOUNCEMENT}<port>; run \`hud serve ${options.file}${options.exact ? ` --env ${options.name}` : ''}\` to see it fail`,
                output,
              ),
              { output },
            ),
          );
        } else if (!this.#stopping) {
          this.#died.abort(
            new LocalRuntimeError(
              'exited',
              withOutput(
                `environment process ${child.pid} for ${options.file} exited with ${describeExit(exit)} while in use`,
                output,
              ),
              { phase: 'running', output },
            ),
          );
        }
        settleExit(exit);
      });
    });
  }

  /** Spawns the child; never throws (spawn failures reject {@link ChildServer.ready}). */
  static spawn(options: ChildServerOptions): ChildServer {
    return new ChildServer(options);
  }

  /** The child's pid (also its process group id); undefined when spawning failed. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The announced port, once ready. */
  get port(): number | undefined {
    return this.#port;
  }

  /** True until the child has exited (or failed to spawn); also while it waits for a boot turn. */
  get alive(): boolean {
    if (this.#ticket) return true;
    return this.#child?.pid !== undefined && this.#exit === undefined;
  }

  /** How it ended, once it has. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /** Aborted (reason: LocalRuntimeError `exited`, phase `running`) when the child exits after ready without {@link ChildServer.stop}. */
  get signal(): AbortSignal {
    return this.#died.signal;
  }

  /** The child's last output lines (stderr and stdout) with their times (≤ 2 000 lines, ≤ 512 Ki chars). */
  logLines(): TimedLine[] {
    return this.#log.lines();
  }

  /** The child's last output lines (stderr and stdout). */
  output(): string {
    return this.#tail.text();
  }

  /**
   * SIGTERM to the process group, SIGKILL after `killGraceMs` if the child is still there, then SIGKILL to
   * whatever is left in the group. Idempotent; resolves with the child's exit.
   */
  stop(): Promise<ChildExit> {
    this.#stopping ??= (async () => {
      if (this.#ticket?.cancel()) {
        // Never spawned: its turn is given up.
        this.#ticket = undefined;
        this.#exit = { code: null, signal: null };
        this.#settleReady(
          new LocalRuntimeError(
            'closed',
            `environment process for ${this.#options.file} was stopped before it was ready`,
          ),
        );
        this.#settleExit(this.#exit);
        return this.#exit;
      }
      if (this.alive) {
        this.#signalGroup('SIGTERM');
        if ((await settleWithin(this.exited, this.#options.killGraceMs)) === 'timeout') {
          this.#signalGroup('SIGKILL');
        }
      }
      const exit = await this.exited;
      this.#signalGroup('SIGKILL');
      this.#child?.stdin?.destroy();
      return exit;
    })();
    return this.#stopping;
  }

  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
      // No process groups (Windows): signal the child alone.
      try {
        process.kill(pid, signal);
      } catch {}
    }
  }

  #spawnFailed(cause: unknown): LocalRuntimeError {
    const { nodePath, cwd, file } = this.#options;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new LocalRuntimeError(
      'spawn_failed',
      `could not start ${nodePath} (cwd ${cwd}) to serve ${file}: ${detail}; check the nodePath and cwd options`,
      { cause },
    );
  }
}
