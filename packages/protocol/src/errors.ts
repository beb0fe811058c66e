import { brandedError, type ClassOf, codedError } from './branded-error.js';
import { hasBrand } from './guards.js';

/**
 * JSON-RPC 2.0 error codes used on the HUD control channel (and, being JSON-RPC's own, in the JSON-RPC
 * replies of the MCP and CDP fronts an environment serves).
 *
 * Source: JSON-RPC 2.0 §5.1 and hud-python 0.6.16 `hud/environment/server.py` (which uses -32600, -32601,
 * -32602, -32603 on the client side, and -32000 for any exception raised by a handler). A refused server
 * token (hud-ts only) is `InvalidRequest`; that it also closes the connection is {@link
 * WireError.closesConnection}, not a code of its own.
 */
export const ErrorCode = {
  /** Invalid JSON was received (hud-ts only; a Python server closes the connection instead). */
  ParseError: -32700,
  /** The frame is not a valid request, or the request is not allowed in the session's state. */
  InvalidRequest: -32600,
  /** The method does not exist. */
  MethodNotFound: -32601,
  /** Invalid method parameters (wrong types, unknown task id). */
  InvalidParams: -32602,
  /** Internal error; the Python client uses it for malformed replies. */
  InternalError: -32603,
  /** Any exception raised while handling a request (message = the exception's text). */
  ServerError: -32000,
} as const;
/** One of the {@link ErrorCode} values (other integers are allowed on the wire too). */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error that crosses the wire: a JSON-RPC error object `{code, message}` received from or sent to a peer.
 *
 * `message` is the peer's text verbatim (hud-python formats it as `hud rpc error <code>: <message>`; we keep
 * the bare message in {@link ProtocolError.rpcMessage} and prefix the code in `message`).
 */
export class ProtocolError extends brandedError('ProtocolError', 'hud.protocol-error') {
  /** The JSON-RPC error code. */
  readonly code: number;
  /** The peer's message, unprefixed. */
  readonly rpcMessage: string;
  constructor(code: number, message: string, options?: ErrorOptions) {
    super(`hud rpc error ${code}: ${message}`, options);
    this.code = code;
    this.rpcMessage = message;
  }
  /** The wire form `{code, message}` (no `data`, as hud-python sends). */
  toJSON(): { code: number; message: string } {
    return { code: this.code, message: this.rpcMessage };
  }
}

const WIRE_BRAND = Symbol.for('hud.wire-error');

/** Options of a {@link WireError}. */
export interface WireErrorOptions extends ErrorOptions {
  /**
   * The server closes the connection after sending this error (hud-ts: a refused server token). Local to
   * the serving side; never on the wire. Default false.
   */
  closesConnection?: boolean;
}

/**
 * A {@link ProtocolError} the serving side raises to answer a request: an environment server's handlers
 * throw it, and the connection writes it as the JSON-RPC error `{code, message}` of the reply (then closes
 * when {@link WireError.closesConnection}). Unlike a received ProtocolError, `message` is the bare wire
 * text, unprefixed (it equals {@link ProtocolError.rpcMessage}): the handler's words, byte for byte what
 * the peer reads.
 */
export class WireError extends ProtocolError {
  /** True for any WireError, including copies from another install of this package. */
  static override isInstance<T>(this: ClassOf<T>, value: unknown): value is T {
    return hasBrand(value, WIRE_BRAND);
  }
  readonly [WIRE_BRAND] = true;
  /** Whether the server closes the connection once this error is sent. */
  readonly closesConnection: boolean;
  constructor(code: number, message: string, options?: WireErrorOptions) {
    super(code, message, options);
    this.message = message;
    this.name = 'WireError';
    this.closesConnection = options?.closesConnection ?? false;
  }
}

/** String codes of local (non-wire) failures. */
export type HudErrorCode =
  | 'connection_closed'
  | 'connection_failed'
  | 'frame_too_large'
  | 'invalid_frame'
  | 'not_ready'
  | 'timeout'
  | 'capability_not_found'
  | 'capability_ambiguous'
  | 'no_protocol_client'
  | 'invalid_argument'
  | 'load_failed'
  | 'environment_not_found'
  | 'environment_ambiguous'
  | 'template_error'
  | 'unsupported';

/**
 * A local failure of hud-ts (never sent on the wire as such), with a machine-readable `code` and the
 * underlying `cause` when wrapping another error.
 */
export class HudError extends codedError<HudErrorCode>('HudError', 'hud.error') {}
