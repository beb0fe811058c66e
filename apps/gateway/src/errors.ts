/** String codes of gateway failures; each maps to one HTTP status (`STATUS_OF`). */
export type GatewayErrorCode =
  /** A body, query or path parameter failed validation (the message names the field). */
  | 'invalid_request'
  /** No key, an unknown key or a revoked key. */
  | 'unauthorized'
  /** A valid key that may not do this (key management needs an admin key). */
  | 'forbidden'
  /** No such job, trace, taskset, model, key… (the message names the id). */
  | 'not_found'
  /** A name already taken (a model fork), or a state change that no longer applies. */
  | 'conflict'
  /** A request body over the route's size limit. */
  | 'payload_too_large'
  /** A request body in a content type the route does not read. */
  | 'unsupported_media_type'
  /** The database cannot be reached right now: the client should retry (hud-python retries 502/503/504). */
  | 'unavailable'
  /** A bug or an unexpected failure (logged with its cause; the message is generic). */
  | 'internal';

/** The HTTP status each error code is answered with. */
export const STATUS_OF: Readonly<Record<GatewayErrorCode, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  internal: 500,
};

const BRAND = Symbol.for('hud.gateway-error');

/**
 * A failure of the gateway with a machine-readable `code` (answered as `{error: {code, message}}` with the
 * status of `STATUS_OF[code]`) and, when wrapping, the underlying `cause`. Messages are shown to API
 * clients: they name what was wrong and where, and never contain a key.
 */
export class GatewayError extends Error {
  /** True for any GatewayError, including copies from another install of this package. */
  static isInstance(value: unknown): value is GatewayError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }
  readonly [BRAND] = true;
  readonly code: GatewayErrorCode;
  constructor(code: GatewayErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
  /** The HTTP status this error is answered with. */
  get statusCode(): number {
    return STATUS_OF[this.code];
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
