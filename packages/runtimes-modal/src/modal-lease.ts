import { SandboxLease, type SandboxLeaseOptions } from '@hud/runtime-kit';

/**
 * A rollout's Modal sandbox: its control URL (`tcp://<tunnel host>:<port>`, Modal's raw TCP tunnel of its
 * unencrypted port) plus the sandbox id and its logs (`logs()`: the sandbox's last stdout and stderr lines).
 * `signal` aborts when the sandbox ends or outlives `limits.run_timeout_s` before release (reason: a
 * ModalRuntimeError with the last output lines). Disposing it (or `close()`) terminates the sandbox
 * (`sandbox.terminate`, retried on 429/5xx; an already gone sandbox is fine; throws ModalRuntimeError when
 * Modal keeps refusing).
 * `params` is `{provider: 'modal', instance_id: <sandbox id>, ready_timeout: <seconds>}`.
 */
export class ModalLease extends SandboxLease<Promise<string>> {
  /** @internal leases come from a {@link ModalRuntime}. */
  constructor(options: SandboxLeaseOptions<Promise<string>>) {
    super('modal', options);
  }
}
