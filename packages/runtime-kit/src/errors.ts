import { brandedError, type ClassOf } from '@hud/protocol';

/**
 * Machine-readable reason of a sandbox runtime's error (each vendor runtime's `<Vendor>RuntimeError.code`).
 */
export type SandboxRuntimeErrorCode =
  /** Bad option or argument (no image or template for a task, a malformed `runtime_config`, no API key). */
  | 'invalid_argument'
  /** The task asks for something the vendor's sandbox cannot provide (compose, GPU types, TPUs). */
  | 'unsupported'
  /** The vendor refused the credentials (HTTP 401/403, gRPC UNAUTHENTICATED/PERMISSION_DENIED). */
  | 'unauthorized'
  /** The vendor kept answering 429 (or RESOURCE_EXHAUSTED) after every retry. */
  | 'rate_limited'
  /** Any other failed vendor call (5xx after every retry, 4xx, a network failure). */
  | 'vendor_error'
  /** The control port did not answer `hello` within the startup limit. */
  | 'not_ready'
  /** The sandbox, or the command or connection the runtime keeps open to it, ended while leased. */
  | 'exited'
  /** The sandbox outlived `limits.run_timeout_s`. */
  | 'run_timeout'
  /** The provider was closed. */
  | 'closed';

/** When a sandbox runtime's failure happened: before the address was handed out, while leased, or on release. */
export type SandboxRuntimePhase = 'provisioning' | 'running' | 'teardown';

/** Options of a {@link sandboxRuntimeError} class's constructor. */
export interface SandboxRuntimeErrorOptions extends ErrorOptions {
  /** Default `'provisioning'`. */
  phase?: SandboxRuntimePhase;
  /** The vendor SDK call that failed, e.g. `Sandbox.create`. */
  call?: string;
  /** The sandbox involved, if one was created. */
  sandboxId?: string;
  /** The last output lines of the sandbox's commands; appended to the message under a separator line. */
  output?: string;
  /** The HTTP (or HTTP-equivalent) status of the failed call, if it had one. */
  status?: number;
}

/** The fields of a sandbox runtime's error, beside `Error`'s. */
export interface SandboxRuntimeErrorFields<Code extends string> {
  readonly code: Code;
  readonly phase: SandboxRuntimePhase;
  readonly call: string | undefined;
  readonly sandboxId: string | undefined;
  /** The last output lines (≤ 50), or `''`. */
  readonly output: string;
  readonly status: number | undefined;
}

/** The class {@link sandboxRuntimeError} returns. */
export interface SandboxRuntimeErrorClass<Code extends string = SandboxRuntimeErrorCode> {
  new (
    code: Code,
    message: string,
    options?: SandboxRuntimeErrorOptions,
  ): Error & SandboxRuntimeErrorFields<Code>;
  /** True for any instance of this class, including copies from another install of its package. */
  isInstance<T>(this: ClassOf<T>, value: unknown): value is T;
}

/**
 * The base of a vendor runtime's error class named `name` (branded with `Symbol.for(brandKey)`, see
 * `brandedError` of @hud/protocol): `new X(code, message, {phase, call, sandboxId, output, status, cause})`.
 * Its instances carry the `code`, the `phase` (`provisioning` failures are infrastructure errors a scheduler
 * may retry; default), the SDK `call` and `sandboxId` involved, the `status` of the failed call and the last
 * `output` lines of the sandbox, which are appended to the message after
 * `\n--- last output lines of the sandbox ---\n`. Never give it credentials.
 * @example
 * export class E2BRuntimeError extends sandboxRuntimeError('E2BRuntimeError', 'hud.e2b-runtime-error') {}
 */
export function sandboxRuntimeError<Code extends string = SandboxRuntimeErrorCode>(
  name: string,
  brandKey: string,
): SandboxRuntimeErrorClass<Code> {
  return class SandboxRuntimeError extends brandedError(name, brandKey) {
    readonly code: Code;
    readonly phase: SandboxRuntimePhase;
    readonly call: string | undefined;
    readonly sandboxId: string | undefined;
    readonly output: string;
    readonly status: number | undefined;
    constructor(code: Code, message: string, options: SandboxRuntimeErrorOptions = {}) {
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
  };
}
