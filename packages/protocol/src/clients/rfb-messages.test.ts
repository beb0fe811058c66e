import { describe, expect, it } from 'vitest';
import { thrownHudError } from '../__fixtures__/thrown.js';
import { vncAuthResponse } from './rfb-auth.js';
import {
  chooseSecurityType,
  decodePixelFormat,
  decodeRectHeader,
  decodeServerInitHeader,
  Encoding,
  encodeClientInit,
  encodeFramebufferUpdateRequest,
  encodeKeyEvent,
  encodePixelFormat,
  encodePointerEvent,
  encodeSetEncodings,
  encodeSetPixelFormat,
  negotiateVersion,
  RGBX_PIXEL_FORMAT,
} from './rfb-messages.js';

// Byte sequences written by hand from RFC 6143 §7 (big-endian fields, layouts as in the RFC's tables).
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('ProtocolVersion (RFC 6143 §7.1.1)', () => {
  it('answers a 3.8 server with the 12 bytes "RFB 003.008\\n"', () => {
    const answer = negotiateVersion(hex('524642203030332e3030380a'));
    expect(Buffer.from(answer, 'latin1')).toEqual(hex('524642203030332e3030380a'));
  });

  it('answers 3.8 to a server advertising a newer minor (Apple: 003.889)', () => {
    expect(negotiateVersion(Buffer.from('RFB 003.889\n'))).toBe('RFB 003.008\n');
  });

  it('refuses 3.3 and 3.7 servers and non-RFB greetings', () => {
    expect(thrownHudError(() => negotiateVersion(Buffer.from('RFB 003.003\n'))).message).toContain(
      'speaks 3.3',
    );
    expect(thrownHudError(() => negotiateVersion(Buffer.from('RFB 003.007\n'))).code).toBe(
      'unsupported',
    );
    expect(thrownHudError(() => negotiateVersion(Buffer.from('SSH-2.0-Open'))).message).toContain(
      'not an RFB server',
    );
  });
});

describe('security types (RFC 6143 §7.1.2)', () => {
  it('uses VNC authentication (2) when a password is given, else None (1)', () => {
    expect(chooseSecurityType([1, 2], true)).toBe(2);
    expect(chooseSecurityType([2, 1], false)).toBe(1);
    expect(chooseSecurityType([1], true)).toBe(1);
  });

  it('explains a missing password and unsupported types', () => {
    expect(thrownHudError(() => chooseSecurityType([2], false)).message).toContain(
      'params.password',
    );
    expect(thrownHudError(() => chooseSecurityType([16, 19], true)).message).toContain('[16, 19]');
  });
});

describe('VNC authentication (RFC 6143 §7.2.2)', () => {
  it('encrypts with DES keyed by the bit-reversed password (FIPS 81 vector "Now is t")', () => {
    // DES(key 0123456789abcdef, "Now is t") = 3fa40e8a984d4815; the VNC key bytes are the password's
    // bytes with their bits reversed, so the password is the bit-reversal of that key.
    const password = hex('80c4a2e691d5b3f7').toString('latin1');
    const challenge = Buffer.concat([Buffer.from('Now is t'), Buffer.from('Now is t')]);
    expect(vncAuthResponse(challenge, password)).toEqual(hex('3fa40e8a984d4815 3fa40e8a984d4815'));
  });

  it('pads short passwords with NULs (all-zero key vector) and ignores characters after the 8th', () => {
    expect(vncAuthResponse(Buffer.alloc(16), '')).toEqual(hex('8ca64de9c1b123a7 8ca64de9c1b123a7'));
    const challenge = Buffer.from('0123456789abcdef');
    expect(vncAuthResponse(challenge, 'password-and-more')).toEqual(
      vncAuthResponse(challenge, 'password'),
    );
  });
});

describe('initialisation messages (RFC 6143 §7.3)', () => {
  it('encodes ClientInit as the shared flag', () => {
    expect(encodeClientInit(true)).toEqual(hex('01'));
    expect(encodeClientInit(false)).toEqual(hex('00'));
  });

  it('decodes an x11vnc ServerInit: 1280x800, 32 bpp depth 24 little-endian BGRX, name length 4', () => {
    const init = decodeServerInitHeader(
      hex('0500 0320  20 18 00 01 00ff 00ff 00ff 10 08 00 000000  00000004'),
    );
    expect(init).toEqual({
      width: 1280,
      height: 800,
      nameLength: 4,
      pixelFormat: {
        bitsPerPixel: 32,
        depth: 24,
        bigEndian: false,
        trueColour: true,
        redMax: 255,
        greenMax: 255,
        blueMax: 255,
        redShift: 16,
        greenShift: 8,
        blueShift: 0,
      },
    });
  });

  it('round-trips a PIXEL_FORMAT through its 16 bytes', () => {
    const format = decodePixelFormat(hex('10 10 01 01 001f 003f 001f 0b 05 00 000000'));
    expect(format.redMax).toBe(31);
    expect(encodePixelFormat(format)).toEqual(hex('10 10 01 01 001f 003f 001f 0b 05 00 000000'));
  });
});

describe('client-to-server messages (RFC 6143 §7.5)', () => {
  it('SetPixelFormat asks for 32-bit true colour with red in the lowest byte', () => {
    expect(encodeSetPixelFormat(RGBX_PIXEL_FORMAT)).toEqual(
      hex('00 000000  20 18 00 01 00ff 00ff 00ff 00 08 10 000000'),
    );
  });

  it('SetEncodings lists signed encodings (-223 DesktopSize = ffffff21)', () => {
    expect(
      encodeSetEncodings([
        Encoding.CopyRect,
        Encoding.Raw,
        Encoding.DesktopSize,
        Encoding.LastRect,
      ]),
    ).toEqual(hex('02 00 0004  00000001 00000000 ffffff21 ffffff20'));
  });

  it('FramebufferUpdateRequest carries the incremental flag and the rectangle', () => {
    expect(encodeFramebufferUpdateRequest({ x: 0, y: 0, width: 1280, height: 800 }, false)).toEqual(
      hex('03 00 0000 0000 0500 0320'),
    );
    expect(encodeFramebufferUpdateRequest({ x: 10, y: 20, width: 30, height: 40 }, true)).toEqual(
      hex('03 01 000a 0014 001e 0028'),
    );
  });

  it('KeyEvent carries the down flag and the keysym', () => {
    expect(encodeKeyEvent(0xff0d, true)).toEqual(hex('04 01 0000 0000ff0d'));
    expect(encodeKeyEvent(0x01000439, false)).toEqual(hex('04 00 0000 01000439'));
  });

  it('PointerEvent carries the button mask and the position', () => {
    expect(encodePointerEvent(100, 200, 1)).toEqual(hex('05 01 0064 00c8'));
    expect(encodePointerEvent(1279, 799, 0b100)).toEqual(hex('05 04 04ff 031f'));
  });
});

describe('server-to-client messages (RFC 6143 §7.6)', () => {
  it('decodes a rectangle header with a signed encoding', () => {
    expect(decodeRectHeader(hex('0000 0000 0400 0300 ffffff21'))).toEqual({
      x: 0,
      y: 0,
      width: 1024,
      height: 768,
      encoding: Encoding.DesktopSize,
    });
  });
});
