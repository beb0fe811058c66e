import net from 'node:net';
import { constants as osConstants } from 'node:os';
import { encodeError, encodeResult, type RequestId } from '@hud/protocol';
import { capabilityEndpoint } from './capability.js';
import type { Environment } from './environment.js';
import type { Logger } from './logger.js';

/** Python's text for a failed connect (`[Errno 111] Connect call failed ('127.0.0.1', 1)`). */
function connectErrorText(error: NodeJS.ErrnoException, host: string, port: number): string {
  const errno = error.code ? (osConstants.errno as Record<string, number>)[error.code] : undefined;
  if (errno === undefined) return error.message;
  if (error.code === 'ECONNREFUSED')
    return `[Errno ${errno}] Connect call failed ('${host}', ${port})`;
  return `[Errno ${errno}] ${error.message}`;
}

function hasId(id: RequestId | undefined): id is RequestId {
  return id !== undefined && id !== null;
}

/**
 * Turns a connection whose first frame was `tunnel.open` into a raw byte stream to the named capability
 * (hud-python spec §2.6): reply `{capability}` (only when the request had an id), then splice bytes both
 * ways with half-close and backpressure until both directions end. Only declared capabilities are
 * reachable. A refusal is one error frame (when the request had an id) and a close.
 */
export function openTunnel(options: {
  socket: net.Socket;
  id: RequestId | undefined;
  params: unknown;
  remainder: Buffer;
  env: Environment;
  logger: Logger;
  authorize: (params: unknown) => boolean;
}): void {
  const { socket, id, params, remainder, env, logger } = options;
  const refuse = (code: number, message: string) => {
    logger.warn(`refusing capability stream: ${message}`);
    if (hasId(id)) socket.end(encodeError(id, code, message));
    else socket.end();
  };
  const name =
    typeof params === 'object' && params !== null
      ? (params as Record<string, unknown>).capability
      : undefined;
  if (typeof name !== 'string') {
    refuse(-32602, "tunnel.open: 'capability' must be a string");
    return;
  }
  if (!options.authorize(params)) {
    refuse(-32600, 'unauthorized: tunnel.open needs the server token');
    return;
  }
  const capability = env.capabilities.find((candidate) => candidate.name === name);
  if (!capability) {
    refuse(-32000, `unknown capability: '${name}'`);
    return;
  }
  let endpoint: { host: string; port: number };
  try {
    endpoint = capabilityEndpoint(capability);
  } catch (error) {
    refuse(-32602, (error as Error).message);
    return;
  }
  socket.pause();
  const backend = net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
  backend.setNoDelay(true);
  backend.once('error', (error: NodeJS.ErrnoException) => {
    refuse(-32000, connectErrorText(error, endpoint.host, endpoint.port));
  });
  backend.once('connect', () => {
    backend.removeAllListeners('error');
    if (hasId(id)) socket.write(encodeResult(id, { capability: name }));
    if (remainder.length > 0) backend.write(remainder);
    splice(socket, backend);
  });
}

/** Pipes two sockets into each other; an end becomes a half-close, an error destroys both. */
export function splice(client: net.Socket, backend: net.Socket): void {
  const destroyBoth = () => {
    client.destroy();
    backend.destroy();
  };
  client.on('error', destroyBoth);
  backend.on('error', destroyBoth);
  client.pipe(backend);
  backend.pipe(client);
  client.resume();
}
