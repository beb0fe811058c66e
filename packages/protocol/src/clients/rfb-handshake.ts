import type { Socket } from 'node:net';
import { HudError } from '../errors.js';
import { vncAuthResponse } from './rfb-auth.js';
import {
  chooseSecurityType,
  decodeServerInitHeader,
  Encoding,
  encodeClientInit,
  encodeSetEncodings,
  encodeSetPixelFormat,
  negotiateVersion,
  RGBX_PIXEL_FORMAT,
  SERVER_INIT_HEADER_BYTES,
  SecurityType,
} from './rfb-messages.js';
import type { SocketReader } from './rfb-reader.js';

/** What the handshake learns: the framebuffer size and the desktop name (ServerInit). */
export interface ServerInit {
  width: number;
  height: number;
  name: string;
}

/** The encodings hud-ts asks for, in preference order. */
export const CLIENT_ENCODINGS: readonly number[] = [
  Encoding.CopyRect,
  Encoding.Raw,
  Encoding.DesktopSize,
  Encoding.LastRect,
];

/**
 * Runs the RFB 3.8 handshake (RFC 6143 §7.1–7.3) on a fresh connection, then sets the client's pixel
 * format ({@link RGBX_PIXEL_FORMAT}) and encodings ({@link CLIENT_ENCODINGS}).
 * @throws HudError `unsupported` (not RFB, older than 3.8, no usable security type), `connection_failed`
 *   (the server refused the connection), `invalid_argument` (authentication failed), each with the
 *   server's reason, or the reader's errors.
 */
export async function handshake(
  socket: Socket,
  reader: SocketReader,
  options: { password?: string; shared?: boolean },
): Promise<ServerInit> {
  const write = (bytes: Buffer | string) => {
    socket.write(bytes);
  };
  write(negotiateVersion(await reader.read(12)));
  const [offeredCount = 0] = await reader.read(1);
  if (offeredCount === 0) {
    throw new HudError(
      'connection_failed',
      `RFB server refused the connection: ${await readReason(reader)}`,
    );
  }
  const offered = [...(await reader.read(offeredCount))];
  const securityType = chooseSecurityType(offered, options.password !== undefined);
  write(Buffer.from([securityType]));
  if (securityType === SecurityType.VncAuthentication) {
    write(vncAuthResponse(await reader.read(16), options.password ?? ''));
  }
  // RFB 3.8 sends SecurityResult for every type, None included, and a reason after a failure.
  const result = (await reader.read(4)).readUInt32BE(0);
  if (result !== 0) {
    // Not a connection error: retrying a wrong password only trips the server's failure limits.
    throw new HudError(
      'invalid_argument',
      `RFB authentication failed: ${await readReason(reader)}`,
    );
  }
  write(encodeClientInit(options.shared ?? true));
  const init = decodeServerInitHeader(await reader.read(SERVER_INIT_HEADER_BYTES));
  const name = (await reader.read(init.nameLength)).toString('utf8');
  write(encodeSetPixelFormat(RGBX_PIXEL_FORMAT));
  write(encodeSetEncodings(CLIENT_ENCODINGS));
  return { width: init.width, height: init.height, name };
}

async function readReason(reader: SocketReader): Promise<string> {
  const length = (await reader.read(4)).readUInt32BE(0);
  return (await reader.read(length)).toString('utf8');
}

/**
 * Host and port of an RFB URL: `rfb://host:port`, `vnc://host:port` or `host:port`; the port defaults to
 * 5900 (display 0).
 * @throws HudError `invalid_argument` when there is no host.
 */
export function parseRfbUrl(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `rfb://${url}`);
  } catch (cause) {
    throw new HudError('invalid_argument', `not an RFB URL: ${JSON.stringify(url)}`, { cause });
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new HudError('invalid_argument', `RFB URL has no host: ${JSON.stringify(url)}`);
  return { host, port: parsed.port ? Number(parsed.port) : 5900 };
}
