import { brandedError } from '@hud/protocol';

/** Machine-readable reason of an {@link DaytonaRuntimeError}. */
export type DaytonaRuntimeErrorCode =
  /** Bad option or argument (no image for a task, a malformed `runtime_config`, no API key). */
  | 'invalid_argument'
  /** The task asks for something a Daytona sandbox cannot provide (compose, GPU types, TPUs). */
  | 'unsupported'
  /** Daytona refused the API key (401/403). */
  | 'unauthorized'
  /** Daytona kept answering 429 after every retry. */
  | 'rate_limited'
  /** Any other failed Daytona call (5xx after every retry, 4xx, a network failure). */
  | 'vendor_error'
  /** The control port did not answer `hello` within the startup limit. */
  | 'not_ready'
  /** The SSH session to the sandbox dropped while leased. */
  | 'exited'
  /** The sandbox outlived `limits.run_timeout_s`. */
  | 'run_timeout'
  /** The provider was closed. */
  | 'closed';

/** When the failure happened: before the address was handed out, while leased, or on release. */
export type DaytonaRuntimePhase = 'provisioning' | 'running' | 'teardown';

/** Options of {@link DaytonaRuntimeError}. */
export interface DaytonaRuntimeErrorOptions extends ErrorOptions {
  /** Default `'provisioning'`. */
  phase?: DaytonaRuntimePhase;
  /** The Daytona SDK call that failed, e.g. `daytona.create`. */
  call?: string;
  /** The sandbox involved, if one was created. */
  sandboxId?: string;
  /** The last output lines of the commands the runtime started in the sandbox. */
  output?: string;
  /** The HTTP status of the failed call, if it had one. */
  status?: number;
}

/**
 * A failure of the Daytona runtime: a `code`, the `phase` (`provisioning` failures are infrastructure errors a
 * scheduler may retry), the SDK `call` and `sandboxId` involved (both in the message), the last output
 * lines of the sandbox's commands (appended to the message) and the `cause`. Never carries the API key.
 */
export class DaytonaRuntimeError extends brandedError(
  'DaytonaRuntimeError',
  'hud.daytona-runtime-error',
) {
  readonly code: DaytonaRuntimeErrorCode;
  readonly phase: DaytonaRuntimePhase;
  readonly call: string | undefined;
  readonly sandboxId: string | undefined;
  /** The last output lines (≤ 50), or `''`. */
  readonly output: string;
  readonly status: number | undefined;
  constructor(
    code: DaytonaRuntimeErrorCode,
    message: string,
    options: DaytonaRuntimeErrorOptions = {},
  ) {
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
