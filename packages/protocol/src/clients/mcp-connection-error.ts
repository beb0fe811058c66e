import { HudError } from '../errors.js';

/** Error codes of a peer that is not there or went away (Node sockets and undici's fetch). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function connectionCode(error: unknown): string | undefined {
  // undici wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * `error` as HudError `connection_failed` (which `HudClient.open` retries) when it comes from a refused or
 * dropped connection, e.g. a tunnel the environment refused; any other error unchanged. Used by the MCP
 * and CDP clients, whose libraries surface socket errors in different wrappers.
 */
export function asConnectionError(error: unknown, target: string): unknown {
  const code = connectionCode(error);
  if (code === undefined || HudError.isInstance(error)) return error;
  return new HudError('connection_failed', `${target}: connection failed (${code})`, {
    cause: error,
  });
}
