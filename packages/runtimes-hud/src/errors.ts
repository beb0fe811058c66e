import { codedError } from '@hud/protocol';

/** Machine-readable reason of a {@link HudRuntimeError}. */
export type HudRuntimeErrorCode =
  /** The runtime URL answered 401/403: the API key is missing, unknown or revoked. */
  | 'unauthorized'
  /** The runtime URL answered 404: no such session (or route: not a HUD runtime gateway). */
  | 'not_found'
  /** The runtime URL could not be reached, or answered 5xx. */
  | 'unavailable'
  /** Any other refusal (400, 409, …) or an answer that is not the expected JSON. */
  | 'bad_response'
  /** The task asks for something the hosted runtime cannot provide (GPU, OS, TPU, limits). */
  | 'unsupported'
  /** Bad option or argument. */
  | 'invalid_argument'
  /** The session ended before it was ready (the worker could not start the environment) or while leased. */
  | 'session_ended'
  /** No worker made the session ready within the ready timeout. */
  | 'not_ready'
  /** The provider was closed. */
  | 'closed';

/**
 * A failure of the hosted runtime (hud-python raises `RuntimeError`/`httpx` errors for these): a `code`,
 * a message naming the method and URL that failed (never the key), the HTTP `status` when one answered,
 * and the underlying `cause` when wrapping.
 */
export class HudRuntimeError extends codedError<HudRuntimeErrorCode>(
  'HudRuntimeError',
  'hud.hud-runtime-error',
) {
  /** The HTTP status of the answer that failed, when there was one. */
  readonly status: number | undefined;
  constructor(
    code: HudRuntimeErrorCode,
    message: string,
    options: ErrorOptions & { status?: number } = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}
