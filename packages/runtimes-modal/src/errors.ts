import { brandedError } from '@hud/protocol';

/** Machine-readable reason of an {@link ModalRuntimeError}. */
export type ModalRuntimeErrorCode =
  /** Bad option or argument (no image for a task, a malformed `runtime_config`, no API key). */
  | 'invalid_argument'
  /** The task asks for something a Modal sandbox cannot provide (compose, GPU types, TPUs). */
  | 'unsupported'
  /** Modal refused the API key (UNAUTHENTICATED, PERMISSION_DENIED). */
  | 'unauthorized'
  /** Modal kept answering RESOURCE_EXHAUSTED after every retry. */
  | 'rate_limited'
  /** Any other failed Modal call (UNAVAILABLE or INTERNAL after every retry, any other status). */
  | 'vendor_error'
  /** The control port did not answer `hello` within the startup limit. */
  | 'not_ready'
  /** The sandbox ended while leased. */
  | 'exited'
  /** The sandbox outlived `limits.run_timeout_s`. */
  | 'run_timeout'
  /** The provider was closed. */
  | 'closed';

/** When the failure happened: before the address was handed out, while leased, or on release. */
export type ModalRuntimePhase = 'provisioning' | 'running' | 'teardown';

/** Options of {@link ModalRuntimeError}. */
export interface ModalRuntimeErrorOptions extends ErrorOptions {
  /** Default `'provisioning'`. */
  phase?: ModalRuntimePhase;
  /** The Modal SDK call that failed, e.g. `sandboxes.create`. */
  call?: string;
  /** The sandbox involved, if one was created. */
  sandboxId?: string;
  /** The last output lines of the commands the runtime started in the sandbox. */
  output?: string;
  /** The HTTP-equivalent status of the failed call (429 for RESOURCE_EXHAUSTED, 503 for UNAVAILABLE, …), if it had one. */
  status?: number;
}

/**
 * A failure of the Modal runtime: a `code`, the `phase` (`provisioning` failures are infrastructure errors a
 * scheduler may retry), the SDK `call` and `sandboxId` involved (both in the message), the last output
 * lines of the sandbox's commands (appended to the message) and the `cause`. Never carries the API key.
 */
export class ModalRuntimeError extends brandedError(
  'ModalRuntimeError',
  'hud.modal-runtime-error',
) {
  readonly code: ModalRuntimeErrorCode;
  readonly phase: ModalRuntimePhase;
  readonly call: string | undefined;
  readonly sandboxId: string | undefined;
  /** The last output lines (≤ 50), or `''`. */
  readonly output: string;
  readonly status: number | undefined;
  constructor(
    code: ModalRuntimeErrorCode,
    message: string,
    options: ModalRuntimeErrorOptions = {},
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
