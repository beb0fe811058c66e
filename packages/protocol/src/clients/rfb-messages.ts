import { HudError } from '../errors.js';

/**
 * Byte-level encoders and decoders for the subset of RFB 3.8 (RFC 6143) that hud-ts speaks: the handshake,
 * ServerInit, SetPixelFormat, SetEncodings, FramebufferUpdateRequest, KeyEvent and PointerEvent. Every
 * multi-byte integer is big-endian (RFC 6143 §7).
 */

/** The only version hud-ts speaks, and the one `rfb/3.8` names (RFC 6143 §7.1.1), 12 bytes. */
export const RFB_VERSION_3_8 = 'RFB 003.008\n';

/** Security types of RFC 6143 §7.1.2 that hud-ts supports. */
export const SecurityType = { None: 1, VncAuthentication: 2 } as const;

/** Client-to-server message types (RFC 6143 §7.5). */
export const ClientMessage = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
} as const;

/** Server-to-client message types (RFC 6143 §7.6). */
export const ServerMessage = {
  FramebufferUpdate: 0,
  SetColourMapEntries: 1,
  Bell: 2,
  ServerCutText: 3,
} as const;

/** Encodings and pseudo-encodings (RFC 6143 §7.7, §7.8) the client understands. */
export const Encoding = { Raw: 0, CopyRect: 1, DesktopSize: -223, LastRect: -224 } as const;

/** A PIXEL_FORMAT (RFC 6143 §7.4), 16 bytes on the wire. */
export interface PixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/**
 * The format hud-ts asks for: 32-bit little-endian true colour with red in the lowest byte, so each pixel
 * arrives as the bytes R, G, B, X and copies straight into an RGBA buffer.
 */
export const RGBX_PIXEL_FORMAT: Readonly<PixelFormat> = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
};

/** ServerInit (RFC 6143 §7.3.2) without its variable-length name. */
export interface ServerInitHeader {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  nameLength: number;
}

/** Length of the ServerInit header before the desktop name. */
export const SERVER_INIT_HEADER_BYTES = 24;

/**
 * Parses the server's ProtocolVersion and returns the version the client answers with (always 3.8).
 * @throws HudError `unsupported` for a server older than 3.8 or a preface that is not RFB.
 */
export function negotiateVersion(serverVersion: Buffer): string {
  const text = serverVersion.toString('latin1');
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
  if (!match) {
    throw new HudError('unsupported', `not an RFB server: it greeted with ${JSON.stringify(text)}`);
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  // Servers may advertise a newer minor (Apple: 003.889); they accept 3.8 as the answer.
  if (major < 3 || (major === 3 && minor < 8)) {
    throw new HudError(
      'unsupported',
      `the RFB server speaks ${major}.${minor}; hud-ts needs RFB 3.8 (rfb/3.8)`,
    );
  }
  return RFB_VERSION_3_8;
}

/**
 * Picks the security type to use from the server's list (RFC 6143 §7.1.2): VNC Authentication when a
 * password is given and offered, else None.
 * @throws HudError `unsupported` when neither usable type is offered (e.g. a password is needed but none
 *   was given).
 */
export function chooseSecurityType(offered: readonly number[], hasPassword: boolean): number {
  if (hasPassword && offered.includes(SecurityType.VncAuthentication)) {
    return SecurityType.VncAuthentication;
  }
  if (offered.includes(SecurityType.None)) return SecurityType.None;
  if (offered.includes(SecurityType.VncAuthentication)) {
    throw new HudError(
      'unsupported',
      'the RFB server requires VNC authentication; set params.password on the capability',
    );
  }
  throw new HudError(
    'unsupported',
    `the RFB server offers only security types [${offered.join(', ')}]; hud-ts supports None (1) and VNC authentication (2)`,
  );
}

/** Decodes a 16-byte PIXEL_FORMAT. */
export function decodePixelFormat(bytes: Buffer, offset = 0): PixelFormat {
  return {
    bitsPerPixel: bytes.readUInt8(offset),
    depth: bytes.readUInt8(offset + 1),
    bigEndian: bytes.readUInt8(offset + 2) !== 0,
    trueColour: bytes.readUInt8(offset + 3) !== 0,
    redMax: bytes.readUInt16BE(offset + 4),
    greenMax: bytes.readUInt16BE(offset + 6),
    blueMax: bytes.readUInt16BE(offset + 8),
    redShift: bytes.readUInt8(offset + 10),
    greenShift: bytes.readUInt8(offset + 11),
    blueShift: bytes.readUInt8(offset + 12),
  };
}

/** Encodes a PIXEL_FORMAT into 16 bytes (3 trailing padding bytes). */
export function encodePixelFormat(format: PixelFormat): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt8(format.bitsPerPixel, 0);
  bytes.writeUInt8(format.depth, 1);
  bytes.writeUInt8(format.bigEndian ? 1 : 0, 2);
  bytes.writeUInt8(format.trueColour ? 1 : 0, 3);
  bytes.writeUInt16BE(format.redMax, 4);
  bytes.writeUInt16BE(format.greenMax, 6);
  bytes.writeUInt16BE(format.blueMax, 8);
  bytes.writeUInt8(format.redShift, 10);
  bytes.writeUInt8(format.greenShift, 11);
  bytes.writeUInt8(format.blueShift, 12);
  return bytes;
}

/** Decodes the 24-byte ServerInit header (size, pixel format, name length). */
export function decodeServerInitHeader(bytes: Buffer): ServerInitHeader {
  return {
    width: bytes.readUInt16BE(0),
    height: bytes.readUInt16BE(2),
    pixelFormat: decodePixelFormat(bytes, 4),
    nameLength: bytes.readUInt32BE(20),
  };
}

/** ClientInit (RFC 6143 §7.3.1): one byte, 1 = share the desktop with other clients. */
export function encodeClientInit(shared: boolean): Buffer {
  return Buffer.from([shared ? 1 : 0]);
}

/** SetPixelFormat (RFC 6143 §7.5.1), 20 bytes. */
export function encodeSetPixelFormat(format: PixelFormat): Buffer {
  return Buffer.concat([
    Buffer.from([ClientMessage.SetPixelFormat, 0, 0, 0]),
    encodePixelFormat(format),
  ]);
}

/** SetEncodings (RFC 6143 §7.5.2): the encodings the client accepts, in preference order. */
export function encodeSetEncodings(encodings: readonly number[]): Buffer {
  const bytes = Buffer.alloc(4 + 4 * encodings.length);
  bytes.writeUInt8(ClientMessage.SetEncodings, 0);
  bytes.writeUInt16BE(encodings.length, 2);
  for (const [index, encoding] of encodings.entries()) bytes.writeInt32BE(encoding, 4 + 4 * index);
  return bytes;
}

/** A rectangle in framebuffer pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** FramebufferUpdateRequest (RFC 6143 §7.5.3), 10 bytes. */
export function encodeFramebufferUpdateRequest(rect: Rect, incremental: boolean): Buffer {
  const bytes = Buffer.alloc(10);
  bytes.writeUInt8(ClientMessage.FramebufferUpdateRequest, 0);
  bytes.writeUInt8(incremental ? 1 : 0, 1);
  bytes.writeUInt16BE(rect.x, 2);
  bytes.writeUInt16BE(rect.y, 4);
  bytes.writeUInt16BE(rect.width, 6);
  bytes.writeUInt16BE(rect.height, 8);
  return bytes;
}

/** KeyEvent (RFC 6143 §7.5.4), 8 bytes: an X keysym going down or up. */
export function encodeKeyEvent(keysym: number, down: boolean): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt8(ClientMessage.KeyEvent, 0);
  bytes.writeUInt8(down ? 1 : 0, 1);
  bytes.writeUInt32BE(keysym >>> 0, 4);
  return bytes;
}

/**
 * PointerEvent (RFC 6143 §7.5.5), 6 bytes: the pointer position and the mask of buttons held
 * (bit 0 = button 1 = left, bit 1 = middle, bit 2 = right, bits 3–6 = wheel up/down/left/right).
 */
export function encodePointerEvent(x: number, y: number, buttonMask: number): Buffer {
  const bytes = Buffer.alloc(6);
  bytes.writeUInt8(ClientMessage.PointerEvent, 0);
  bytes.writeUInt8(buttonMask & 0xff, 1);
  bytes.writeUInt16BE(x, 2);
  bytes.writeUInt16BE(y, 4);
  return bytes;
}

/** A rectangle header of a FramebufferUpdate (RFC 6143 §7.6.1), 12 bytes. */
export interface RectHeader extends Rect {
  encoding: number;
}

/** Decodes a 12-byte rectangle header. */
export function decodeRectHeader(bytes: Buffer): RectHeader {
  return {
    x: bytes.readUInt16BE(0),
    y: bytes.readUInt16BE(2),
    width: bytes.readUInt16BE(4),
    height: bytes.readUInt16BE(6),
    encoding: bytes.readInt32BE(8),
  };
}
