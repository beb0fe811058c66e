import { brandedError } from '@hud/protocol';

/** Machine-readable reason of an {@link E2BRuntimeError}. */
export type E2BRuntimeErrorCode =
  /** Bad option or argument (no template for a task, a malformed `runtime_config`, no API key). */
  | 'invalid_argument'
  /** The task asks for something E2B cannot provide per sandbox (compose, GPUs). */
  | 'unsupported'
  /** E2B refused the API key (401/403). */
  | 'unauthorized'
  /** E2B kept answering 429 after every retry. */
  | 'rate_limited'
  /** Any other failed E2B call (5xx after every retry, 4xx, a network failure). */
  | 'vendor_error'
  /** The control port did not answer `hello` within the startup limit. */
  | 'not_ready'
  /** A command the runtime started in the sandbox (the bridge, `command`) ended while leased. */
  | 'exited'
  /** The sandbox outlived `limits.run_timeout_s` (E2B's own timeout kills it). */
  | 'run_timeout'
  /** The provider was closed. */
  | 'closed';

/** When the failure happened: before the address was handed out, while leased, or on release. */
export type E2BRuntimePhase = 'provisioning' | 'running' | 'teardown';

/** Options of {@link E2BRuntimeError}. */
export interface E2BRuntimeErrorOptions extends ErrorOptions {
  /** Default `'provisioning'`. */
  phase?: E2BRuntimePhase;
  /** The E2B SDK call that failed, e.g. `Sandbox.create`. */
  call?: string;
  /** The sandbox involved, if one was created. */
  sandboxId?: string;
  /** The last output lines of the commands the runtime started in the sandbox. */
  output?: string;
  /** The HTTP status of the failed call, if it had one. */
  status?: number;
}

/**
 * A failure of the E2B runtime: a `code`, the `phase` (`provisioning` failures are infrastructure errors a
 * scheduler may retry), the SDK `call` and `sandboxId` involved (both in the message), the last output
 * lines of the sandbox's commands (appended to the message) and the `cause`. Never carries the API key.
 */
export class E2BRuntimeError extends brandedError('E2BRuntimeError', 'hud.e2b-runtime-error') {
  readonly code: E2BRuntimeErrorCode;
  readonly phase: E2BRuntimePhase;
  readonly call: string | undefined;
  readonly sandboxId: string | undefined;
  /** The last output lines (≤ 50), or `''`. */
  readonly output: string;
  readonly status: number | undefined;
  constructor(code: E2BRuntimeErrorCode, message: string, options: E2BRuntimeErrorOptions = {}) {
    const output = options.output ?? '';
    super(
      output ? `${message}\n--- last output lines of the sandbox ---\n${output}` : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.phase = options.phase ?? 'provisioning';
    this.call = options.call;
    this.sandboxId = options.sandboxId;
    this.output = output;
    this.status = options.status;
  }
}
