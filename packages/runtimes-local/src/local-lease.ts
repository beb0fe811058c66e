import type { RuntimeLease, RuntimeLogLine } from '@hud/protocol';
import type { ChildExit, ChildServer } from './child-server.js';

/**
 * A rollout's child process, leased from a {@link LocalRuntime}: its control URL (`tcp://127.0.0.1:<port>`)
 * plus the child's pid, liveness and output. Disposing it (or `close()`) kills the child (SIGTERM to its
 * process group, SIGKILL after the grace period); children are never reused.
 */
export class LocalLease implements RuntimeLease {
  /** `tcp://127.0.0.1:<port>` of the child's control channel. */
  readonly url: string;
  /** `{provider: 'local', instance_id: '<pid>'}` (hud-python's known runtime param keys). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The child's pid, which is also its process group id. */
  readonly pid: number;
  /** The environment name the child was asked to serve (the task's `env`, or the `env` option). */
  readonly env: string | undefined;
  /** True when the child was started ahead of demand by the prewarm pool. */
  readonly prewarmed: boolean;
  readonly #child: ChildServer;
  readonly #release: () => Promise<ChildExit>;

  /** @internal leases come from a {@link LocalRuntime}. */
  constructor(options: {
    child: ChildServer;
    port: number;
    env: string | undefined;
    prewarmed: boolean;
    release: () => Promise<ChildExit>;
  }) {
    this.#child = options.child;
    this.#release = options.release;
    this.pid = options.child.pid as number;
    this.url = `tcp://127.0.0.1:${options.port}`;
    this.params = { provider: 'local', instance_id: String(this.pid) };
    this.env = options.env;
    this.prewarmed = options.prewarmed;
  }

  /**
   * Aborted when the child exits before release (a crash, `process.exit` in a template); the reason is a
   * LocalRuntimeError `exited` in phase `running`, carrying the child's last output.
   */
  get signal(): AbortSignal {
    return this.#child.signal;
  }

  /** How the child ended (`{code, signal}`), once it has. */
  get exit(): ChildExit | undefined {
    return this.#child.exit;
  }

  /** The child's last output lines (≤ 50 lines, ≤ 16 KiB; stderr and stdout). */
  output(): string {
    return this.#child.output();
  }

  /** The child's stdout/stderr lines so far with their times (bounded; see `ChildServer.logLines`). */
  async logLines(): Promise<RuntimeLogLine[]> {
    return this.#child.logLines().map((line) => ({ ...line, source: 'environment' as const }));
  }

  /** Kills the child and resolves with its exit once it and its process group are gone. Idempotent. */
  close(): Promise<ChildExit> {
    return this.#release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
