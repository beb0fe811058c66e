import { sandboxRuntimeError } from '@hud/runtime-kit';

export type {
  SandboxRuntimeErrorCode as E2BRuntimeErrorCode,
  SandboxRuntimeErrorOptions as E2BRuntimeErrorOptions,
  SandboxRuntimePhase as E2BRuntimePhase,
} from '@hud/runtime-kit';

/**
 * A failure of the E2B runtime: a `code`, the `phase` (`provisioning` failures are infrastructure errors a
 * scheduler may retry), the SDK `call` and `sandboxId` involved (both in the message), the last output
 * lines of the sandbox's commands (appended to the message) and the `cause`. Never carries the credentials.
 */
export class E2BRuntimeError extends sandboxRuntimeError(
  'E2BRuntimeError',
  'hud.e2b-runtime-error',
) {}
