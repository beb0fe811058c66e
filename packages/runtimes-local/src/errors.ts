import { codedError, type TaskRow } from '@hud/protocol';

/** Machine-readable reason of a {@link LocalRuntimeError}. */
export type LocalRuntimeErrorCode =
  /** The child process could not be spawned (bad `nodePath` or `cwd`, EAGAIN). */
  | 'spawn_failed'
  /** The substrate did not become ready within `readyTimeoutMs`. */
  | 'not_ready'
  /** The child exited before announcing its port (load error, a hook threw, `process.exit`). */
  | 'exited_early'
  /** The child exited while leased, before release. */
  | 'exited'
  /** An initialize hook of an in-process environment threw. */
  | 'start_failed'
  /** The environment source (file or directory) does not exist. */
  | 'source_not_found'
  /** No environment is known for a task row (in-process, rows not minted here). */
  | 'no_environment'
  /** The task asks for something this runtime cannot provide (`runtime_config`). */
  | 'unsupported'
  /** Bad option or argument. */
  | 'invalid_argument'
  /** The provider was closed. */
  | 'closed';

/** When a runtime failure happened: before the address was handed out, while leased, or on release. */
export type RuntimePhase = 'provisioning' | 'running' | 'teardown';

/** Options of {@link LocalRuntimeError}. */
export interface LocalRuntimeErrorOptions extends ErrorOptions {
  /** Default `'provisioning'`. */
  phase?: RuntimePhase;
  /** The last lines the child wrote (stderr and stdout), when a child was involved. */
  output?: string;
}

/**
 * A failure of a local runtime (hud-python raises `RuntimeError` for these): a `code`, the `phase` it
 * happened in (`provisioning` failures are infrastructure errors a scheduler may retry), the child's output
 * tail when a child process was involved, and the underlying `cause` when wrapping another error.
 */
export class LocalRuntimeError extends codedError<LocalRuntimeErrorCode>(
  'LocalRuntimeError',
  'hud.runtime-error',
) {
  readonly phase: RuntimePhase;
  /** The child's last output lines (≤ 50 lines, ≤ 16 KiB), or `''`. */
  readonly output: string;
  constructor(
    code: LocalRuntimeErrorCode,
    message: string,
    options: LocalRuntimeErrorOptions = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.phase = options.phase ?? 'provisioning';
    this.output = options.output ?? '';
  }
}

/**
 * Rejects rows with a non-empty `runtime_config`, as hud-python's `LocalRuntime` and `SubprocessRuntime` do:
 * images, compose projects and resource limits need a container runtime.
 * @throws LocalRuntimeError `unsupported`.
 */
export function rejectRuntimeConfig(task: TaskRow, provider: string): void {
  const config = task.runtime_config;
  if (config && Object.keys(config).length > 0) {
    throw new LocalRuntimeError(
      'unsupported',
      `${provider} cannot honour runtime_config ${JSON.stringify(config)} of task '${task.slug}': run it with a container runtime (e.g. docker), or drop runtime_config from the row`,
    );
  }
}
