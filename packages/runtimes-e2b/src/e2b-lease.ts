import { SandboxLease, type SandboxLeaseOptions } from '@hud/runtime-kit';

/**
 * A rollout's E2B sandbox: its control URL (`tcp://127.0.0.1:<port>`, a local end of the WebSocket
 * bridge) plus the sandbox id and its last output (`logs()`: the last output lines of the commands this
 * runtime started in the sandbox). `signal` aborts when the sandbox's serving command exits or the sandbox
 * outlives `limits.run_timeout_s` before release (reason: an E2BRuntimeError with the last output lines).
 * Disposing it (or `close()`) kills the sandbox (`Sandbox.kill`, retried on 429/5xx; an already gone
 * sandbox is fine; throws E2BRuntimeError when E2B keeps refusing, the sandbox then left to its own
 * timeout).
 * `params` is `{provider: 'e2b', instance_id: <sandbox id>, ready_timeout: <seconds>}`.
 */
export class E2BLease extends SandboxLease<string> {
  /** @internal leases come from an {@link E2BRuntime}. */
  constructor(options: SandboxLeaseOptions<string>) {
    super('e2b', options);
  }
}
