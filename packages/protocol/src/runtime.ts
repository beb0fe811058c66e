import type { TaskRow } from './schemas.js';

/**
 * The address of a served environment: a control-channel URL (`tcp://127.0.0.1:7000`) plus parameters
 * (`ready_timeout` in seconds overrides the client's readiness deadline, as in hud-python `connect`).
 */
export interface Runtime {
  readonly url: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** A runtime whose substrate is torn down when disposed (a child process, a container, a sandbox). */
export interface RuntimeLease extends Runtime, AsyncDisposable {
  /**
   * Aborted when the substrate died before the lease was released (the child process exited, the
   * container stopped or outlived its run limit); `reason` says how, e.g. the runtime's error with the exit
   * code and the last lines of output. Rollouts append it to a dropped connection's error, so "env closed
   * connection" names the crash. Absent when the runtime cannot tell (a TCP address someone else serves).
   * Releasing the lease never aborts it.
   */
  readonly signal?: AbortSignal;
  /**
   * The environment's recent output while the lease is held (a local child's stdout/stderr lines, a
   * container's last log lines), oldest first and bounded by the runtime; read by rollouts before release
   * for the job store's LOGS. Absent when the runtime cannot see the output. Never rejects (empty when the
   * output is gone).
   */
  logLines?(): Promise<readonly RuntimeLogLine[]>;
}

/** One line of an environment's output ({@link RuntimeLease.logLines}). */
export interface RuntimeLogLine {
  /** ISO-8601 UTC time the line was seen (or the container engine's timestamp). */
  time: string;
  /** `environment` for a process the runtime started itself, `container` for a container's log. */
  source: 'environment' | 'container';
  stream: 'stdout' | 'stderr';
  /** The line without its newline. */
  line: string;
}

/** Options a provider receives with each acquisition. */
export interface ProvideOptions {
  /** Aborts provisioning (e.g. on Ctrl-C); the provider must release whatever it started. */
  signal?: AbortSignal;
  /**
   * The trace this acquisition serves (32 lowercase hex digits, as trace ids are stored), when the caller
   * runs one: runtimes label their substrate with it or send it on (hud-python `HUDRuntime` posts it as
   * `trace_id`). Absent when the caller has none (prewarming, a bare `HudClient.connect`).
   */
  traceId?: string;
}

/**
 * Placement: provisions a substrate serving `task`'s environment and returns its address; disposing the
 * lease tears the substrate down. Runtimes (`@hud/runtimes-*`) implement this contract against this package
 * alone.
 * @example
 * await using runtime = await provider(task);
 * const client = await HudClient.connect(runtime);
 */
export type Provider = (task: TaskRow, options?: ProvideOptions) => Promise<RuntimeLease>;
