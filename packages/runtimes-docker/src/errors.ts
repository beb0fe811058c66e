import { brandedError } from '@hud/protocol';

/** Machine-readable reason of a {@link DockerRuntimeError}. */
export type DockerRuntimeErrorCode =
  /** The Docker engine cannot be reached (no daemon, no permission on the socket). */
  | 'docker_unavailable'
  /** The image is not present locally and could not be pulled. */
  | 'image_not_found'
  /** The engine refused to create or start the container (bad option, port, resource). */
  | 'start_failed'
  /** The container exited before its control port answered `hello`. */
  | 'exited_early'
  /** The control port did not answer `hello` within the startup limit. */
  | 'not_ready'
  /** The container exited while leased, before release. */
  | 'exited'
  /** The container outlived `limits.run_timeout_s` and was removed. */
  | 'run_timeout'
  /** The container's root file system has less free space than `resources.storage_mb`. */
  | 'insufficient_storage'
  /** An image build failed (a step returned non-zero, a bad Dockerfile). */
  | 'build_failed'
  /** The task asks for something this runtime cannot provide (compose, GPU types, TPUs). */
  | 'unsupported'
  /** Bad option or argument (no image for a task, a malformed runtime_config). */
  | 'invalid_argument'
  /** The provider was closed. */
  | 'closed';

/** When a runtime failure happened: before the address was handed out, while leased, or on release. */
export type DockerRuntimePhase = 'provisioning' | 'running' | 'teardown';

/** Options of {@link DockerRuntimeError}. */
export interface DockerRuntimeErrorOptions extends ErrorOptions {
  /** Default `'provisioning'`. */
  phase?: DockerRuntimePhase;
  /** The container's last log lines (stdout and stderr), or a failed build's last output lines. */
  output?: string;
  /** The container id, when one was created. */
  containerId?: string;
}

/**
 * A failure of the Docker runtime (hud-python raises `RuntimeError` for these): a `code`, the `phase` it
 * happened in (`provisioning` failures are infrastructure errors a scheduler may retry), the container's
 * last log lines when a container was involved (also appended to the message), and the `cause`.
 */
export class DockerRuntimeError extends brandedError(
  'DockerRuntimeError',
  'hud.docker-runtime-error',
) {
  readonly code: DockerRuntimeErrorCode;
  readonly phase: DockerRuntimePhase;
  /** The container's last log lines, or a failed build's last output lines (≤ 50), or `''`. */
  readonly output: string;
  /** The container involved, if any (12-hex short id). */
  readonly containerId: string | undefined;
  constructor(
    code: DockerRuntimeErrorCode,
    message: string,
    options: DockerRuntimeErrorOptions = {},
  ) {
    const output = options.output ?? '';
    super(
      output
        ? `${message}\n--- ${code === 'build_failed' ? 'last build output' : 'last log lines of the container'} ---\n${output}`
        : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.phase = options.phase ?? 'provisioning';
    this.output = output;
    this.containerId = options.containerId;
  }
}

/** The HTTP status of a dockerode (docker-modem) error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own message of a dockerode error (`json.message`), else the error's message. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The `docker_unavailable` error for `cause`, a dockerode error that {@link isEngineUnreachable}. */
export function engineUnreachable(cause: unknown): DockerRuntimeError {
  return new DockerRuntimeError(
    'docker_unavailable',
    `cannot reach the Docker engine (${engineMessage(cause)}): is dockerd running? (scripts/docker-setup.sh starts one; DOCKER_HOST selects another)`,
    { cause },
  );
}

/** Whether an error means the engine itself is unreachable (socket missing, refused, no permission). */
export function isEngineUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'EPERM';
}
