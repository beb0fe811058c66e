import { SandboxLease, type SandboxLeaseOptions } from '@hud/runtime-kit';

/**
 * A rollout's Daytona sandbox: its control URL (`tcp://127.0.0.1:<port>`, a local end of the SSH
 * forward) plus the sandbox id and its logs (`logs()`: the last output lines of the environment's command,
 * `getSessionCommandLogs`; `''` when unavailable). `signal` aborts when the SSH session to the sandbox drops
 * or the sandbox outlives `limits.run_timeout_s` before release (reason: a DaytonaRuntimeError with the last
 * output lines). Disposing it (or `close()`) deletes the sandbox (`sandbox.delete`, retried on 429/5xx; an
 * already gone sandbox is fine; throws DaytonaRuntimeError when Daytona keeps refusing).
 * `params` is `{provider: 'daytona', instance_id: <sandbox id>, ready_timeout: <seconds>}`.
 */
export class DaytonaLease extends SandboxLease<Promise<string>> {
  /** @internal leases come from a {@link DaytonaRuntime}. */
  constructor(options: SandboxLeaseOptions<Promise<string>>) {
    super('daytona', options);
  }
}
