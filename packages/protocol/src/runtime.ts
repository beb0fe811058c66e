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
export interface RuntimeLease extends Runtime, AsyncDisposable {}

/** Options a provider receives with each acquisition. */
export interface ProvideOptions {
  /** Aborts provisioning (e.g. on Ctrl-C); the provider must release whatever it started. */
  signal?: AbortSignal;
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
