import { sandboxRuntimeError } from '@hud/runtime-kit';

export type {
  SandboxRuntimeErrorCode as DaytonaRuntimeErrorCode,
  SandboxRuntimeErrorOptions as DaytonaRuntimeErrorOptions,
  SandboxRuntimePhase as DaytonaRuntimePhase,
} from '@hud/runtime-kit';

/**
 * A failure of the Daytona runtime: a `code`, the `phase` (`provisioning` failures are infrastructure errors a
 * scheduler may retry), the SDK `call` and `sandboxId` involved (both in the message), the last output
 * lines of the sandbox's commands (appended to the message) and the `cause`. Never carries the credentials.
 */
export class DaytonaRuntimeError extends sandboxRuntimeError(
  'DaytonaRuntimeError',
  'hud.daytona-runtime-error',
) {}
