import { brandedError } from '@hud/protocol';

/** Machine-readable reason of a {@link KubernetesRuntimeError}. */
export type KubernetesRuntimeErrorCode =
  /** The API server cannot be reached, or no kubeconfig was found. */
  | 'api_unavailable'
  /** The API server refused to create the pod (quota, admission, a name conflict that persisted). */
  | 'create_failed'
  /** The pod ended (`Failed`/`Succeeded`) or its container could not start, before it answered `hello`. */
  | 'exited_early'
  /** The pod did not become ready (or its control port did not answer `hello`) within the startup limit. */
  | 'not_ready'
  /** The pod ended while leased, before release. */
  | 'exited'
  /** The pod outlived `limits.run_timeout_s` (`activeDeadlineSeconds`) and was stopped by the cluster. */
  | 'run_timeout'
  /** A port-forward connection to the pod failed or was dropped. */
  | 'forward_failed'
  /** The pod could not be deleted. */
  | 'delete_failed'
  /** The task asks for something this runtime cannot provide (compose, GPU types, TPUs). */
  | 'unsupported'
  /** Bad option or argument (no image for a task, a malformed runtime_config). */
  | 'invalid_argument'
  /** The provider was closed. */
  | 'closed';

/** When a failure happened: before the address was handed out, while leased, or on release. */
export type KubernetesRuntimePhase = 'provisioning' | 'running' | 'teardown';

/** Options of {@link KubernetesRuntimeError}. */
export interface KubernetesRuntimeErrorOptions extends ErrorOptions {
  /** Default `'provisioning'`. */
  phase?: KubernetesRuntimePhase;
  /** The pod's last log lines. */
  output?: string;
  /** `<namespace>/<name>` of the pod involved, if one was created. */
  pod?: string;
}

/**
 * A failure of the Kubernetes runtime: a `code`, the `phase` it happened in (`provisioning` failures are
 * infrastructure errors a scheduler may retry), the pod (`namespace/name`) and its last log lines when a
 * pod was involved (the log lines are also appended to the message), and the `cause`.
 */
export class KubernetesRuntimeError extends brandedError(
  'KubernetesRuntimeError',
  'hud.kubernetes-runtime-error',
) {
  readonly code: KubernetesRuntimeErrorCode;
  readonly phase: KubernetesRuntimePhase;
  /** The pod's last log lines (≤ 50), or `''`. */
  readonly output: string;
  /** `<namespace>/<name>` of the pod involved, if any. */
  readonly pod: string | undefined;
  constructor(
    code: KubernetesRuntimeErrorCode,
    message: string,
    options: KubernetesRuntimeErrorOptions = {},
  ) {
    const output = options.output ?? '';
    super(
      output ? `${message}\n--- last log lines of the pod ---\n${output}` : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.phase = options.phase ?? 'provisioning';
    this.output = output;
    this.pod = options.pod;
  }
}

/** The HTTP status of a client-node error (`ApiException.code`, or a Watch error's `statusCode`). */
export function statusOf(error: unknown): number | undefined {
  const record = error as { code?: unknown; statusCode?: unknown } | null;
  if (typeof record?.code === 'number') return record.code;
  if (typeof record?.statusCode === 'number') return record.statusCode;
  return undefined;
}

/** The API server's own message (a `Status` body's `message`), else the error's first line. */
export function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string' && message !== '') return message;
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.message;
  return String(error);
}

/** Whether an error is a transport failure (refused, reset, DNS) rather than an answer of the server. */
export function isUnreachable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      [
        'ECONNREFUSED',
        'ECONNRESET',
        'ENOTFOUND',
        'EAI_AGAIN',
        'EHOSTUNREACH',
        'UND_ERR_SOCKET',
      ].includes(code)
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
