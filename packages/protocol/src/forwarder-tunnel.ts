import type { Socket } from 'node:net';
import type { ControlEndpoint } from './client-options.js';
import { pyRepr } from './client-repr.js';
import { connectSocket } from './connect-socket.js';
import { HudError } from './errors.js';
import { FrameDecoder } from './frame-decoder.js';
import { encodeRequest, isObjectFrame, Method } from './jsonrpc.js';

const NEWLINE = 0x0a;

/** An upstream capability stream, ready to splice. */
export interface OpenedTunnel {
  /** The connection to the control endpoint, now a raw byte stream to the capability. */
  socket: Socket;
  /** Bytes that arrived after the `tunnel.open` reply line in the same read; they belong to the stream. */
  head: Buffer;
}

/**
 * Opens a capability stream (spec §2.6): a new connection to the control endpoint, the frame
 * `{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":<name>}}` (id 1, as hud-python
 * sends; with `options.token`, `params.token` too, for a hud-ts server started with a token), then one
 * reply frame.
 * @throws HudError `connection_failed` when the endpoint refuses the tunnel (error frame), or closes or
 *   breaks before replying; the socket error itself when the endpoint cannot be reached.
 */
export async function openTunnel(
  endpoint: ControlEndpoint,
  capability: string,
  options: { maxFrameBytes?: number; signal?: AbortSignal; token?: string } = {},
): Promise<OpenedTunnel> {
  const socket = await connectSocket(endpoint, { signal: options.signal });
  const onAbort = () => socket.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const params =
      options.token === undefined ? { capability } : { capability, token: options.token };
    socket.write(encodeRequest(1, Method.TunnelOpen, params));
    const { frame, head } = await readFirstFrame(socket, options.maxFrameBytes);
    if (!isObjectFrame(frame) || 'error' in frame) {
      throw new HudError(
        'connection_failed',
        `tunnel.open ${pyRepr(capability)} refused: ${JSON.stringify(frame)}`,
      );
    }
    return { socket, head };
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Reads exactly one line; whatever follows it in the same chunk is returned untouched as `head`. */
function readFirstFrame(
  socket: Socket,
  maxFrameBytes: number | undefined,
): Promise<{ frame: unknown; head: Buffer }> {
  const decoder = new FrameDecoder({ maxFrameBytes });
  return new Promise((resolve, reject) => {
    const finish = (outcome: () => void) => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
      outcome();
    };
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(NEWLINE);
      try {
        if (newline === -1) {
          decoder.push(chunk);
          return;
        }
        const [line] = decoder.push(chunk.subarray(0, newline + 1));
        const head = chunk.subarray(newline + 1);
        if (line?.kind === 'frame') finish(() => resolve({ frame: line.value, head }));
        else finish(() => reject(line?.error));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const onEnd = () =>
      finish(() =>
        reject(
          new HudError('connection_failed', 'env closed the tunnel before replying to tunnel.open'),
        ),
      );
    const onError = (error: Error) =>
      finish(() =>
        reject(
          new HudError('connection_failed', `tunnel.open failed: ${error.message}`, {
            cause: error,
          }),
        ),
      );
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
  });
}

/**
 * Splices two sockets both ways (hud-python `splice`): `pipe` carries the bytes with backpressure, an EOF
 * on one side half-closes the other (`end()`), and the other direction keeps flowing until it ends too.
 * A socket error on either side destroys both. `head` is written to `local` first.
 * Resolves once both sockets have closed.
 */
export function splice(
  local: Socket,
  upstream: Socket,
  head: Buffer = Buffer.alloc(0),
): Promise<void> {
  const closed = Promise.all([whenClosed(local), whenClosed(upstream)]).then(() => undefined);
  closeTogether(local, upstream);
  closeTogether(upstream, local);
  if (head.length > 0) local.write(head);
  local.pipe(upstream);
  upstream.pipe(local);
  return closed;
}

function whenClosed(socket: Socket): Promise<void> {
  return socket.closed
    ? Promise.resolve()
    : new Promise((resolve) => socket.once('close', () => resolve()));
}

function closeTogether(socket: Socket, other: Socket): void {
  // Errors end both sides below; the listener only keeps an 'error' event from being unhandled.
  socket.on('error', () => undefined);
  socket.once('close', (hadError: boolean) => {
    if (other.destroyed) return;
    if (hadError) {
      other.destroy();
      return;
    }
    // Nothing can reach `socket` any more: flush what `other` still has to write, then release it.
    if (other.writableFinished) other.destroy();
    else {
      other.once('finish', () => other.destroy());
      if (!other.writableEnded) other.end();
    }
  });
}
